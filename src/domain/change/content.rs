//! What an approval signs: the canonical encoding of a change's approved
//! content and of the decision, exactly as `docs/changes.md` specifies them
//! for independent verifiers (the audit chain's field encoding).

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::approval::{Capacity, Decision, Stage};
use super::kinds::{ChangeScope, ChangeType};
use super::risk::RiskAssessment;
use crate::domain::encoding::{instant_text, Encoder, Hash};

const CONTENT_DOMAIN: &[u8] = b"spbe-desk/change-content/v1";
const APPROVAL_DOMAIN: &[u8] = b"spbe-desk/change-approval/v1";

/// The fields an approval covers: editing any of them voids the approvals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovedContent<'a> {
    pub change_id: Uuid,
    pub number: &'a str,
    pub change_type: ChangeType,
    pub scope: ChangeScope,
    pub title: &'a str,
    pub description: &'a str,
    pub reason: &'a str,
    pub owner_unit_id: Uuid,
    /// The touched services; encoded sorted, so their order does not matter.
    pub service_ids: &'a [Uuid],
    pub risk: Option<RiskAssessment>,
    pub impact_analysis: &'a str,
    pub implementation_plan: &'a str,
    pub test_plan: &'a str,
    pub rollback_plan: &'a str,
}

fn flag(value: bool) -> &'static str {
    if value {
        "true"
    } else {
        "false"
    }
}

impl ApprovedContent<'_> {
    pub fn encode(&self) -> Vec<u8> {
        let mut services: Vec<String> = self.service_ids.iter().map(Uuid::to_string).collect();
        services.sort();
        let mut e = Encoder::with_domain(CONTENT_DOMAIN);
        e.text(Some(&self.change_id.to_string()))
            .text(Some(self.number))
            .text(Some(self.change_type.as_str()))
            .text(Some(self.scope.as_str()))
            .text(Some(self.title))
            .text(Some(self.description))
            .text(Some(self.reason))
            .text(Some(&self.owner_unit_id.to_string()))
            .text(Some(&services.join(",")));
        match &self.risk {
            None => {
                e.text(None);
            }
            Some(risk) => {
                let answers = format!(
                    "users_affected={};outage_needed={};rollback_possible={};tested={};touches_special={}",
                    risk.users_affected,
                    flag(risk.outage_needed),
                    flag(risk.rollback_possible),
                    flag(risk.tested),
                    flag(risk.touches_special)
                );
                e.text(Some(&answers));
            }
        }
        e.text(Some(self.impact_analysis))
            .text(Some(self.implementation_plan))
            .text(Some(self.test_plan))
            .text(Some(self.rollback_plan));
        e.into_bytes()
    }

    /// The content hash an approval names.
    pub fn hash(&self) -> Hash {
        Sha256::digest(self.encode()).into()
    }
}

/// One decision, as it is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalStatement {
    pub approval_id: Uuid,
    pub change_id: Uuid,
    pub content_hash: Hash,
    pub approver_id: Uuid,
    pub capacity: Capacity,
    pub stage: Stage,
    pub decision: Decision,
    pub decided_at: DateTime<Utc>,
    pub key_id: String,
}

impl ApprovalStatement {
    /// The signed message.
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Encoder::with_domain(APPROVAL_DOMAIN);
        e.text(Some(&self.approval_id.to_string()))
            .text(Some(&self.change_id.to_string()))
            .bytes(Some(&self.content_hash))
            .text(Some(&self.approver_id.to_string()))
            .text(Some(self.capacity.kind().as_str()))
            .text(self.capacity.unit().map(|u| u.to_string()).as_deref())
            .text(Some(self.stage.as_str()))
            .text(Some(self.decision.as_str()))
            .text(Some(&instant_text(self.decided_at)))
            .text(Some(&self.key_id));
        e.into_bytes()
    }

    pub fn sign(&self, key: &SigningKey) -> [u8; 64] {
        key.sign(&self.encode()).to_bytes()
    }

    pub fn signature_holds(&self, key: &VerifyingKey, signature: &[u8]) -> bool {
        Signature::from_slice(signature).is_ok_and(|s| key.verify(&self.encode(), &s).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content<'a>(services: &'a [Uuid], plan: &'a str) -> ApprovedContent<'a> {
        ApprovedContent {
            change_id: Uuid::nil(),
            number: "CHG-2026-000001",
            change_type: ChangeType::Normal,
            scope: ChangeScope::Aplikasi,
            title: "Pembaruan SIMPEG",
            description: "d",
            reason: "r",
            owner_unit_id: Uuid::nil(),
            service_ids: services,
            risk: None,
            impact_analysis: "",
            implementation_plan: plan,
            test_plan: "",
            rollback_plan: "",
        }
    }

    #[test]
    fn the_hash_ignores_service_order_but_not_the_plan() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(content(&[a, b], "p").hash(), content(&[b, a], "p").hash());
        assert_ne!(content(&[a, b], "p").hash(), content(&[a, b], "p2").hash());
        // Field boundaries are length-prefixed: moving text between fields changes the hash.
        let one = [a];
        let mut moved = content(&one, "ab");
        moved.test_plan = "";
        let mut other = content(&one, "a");
        other.test_plan = "b";
        assert_ne!(moved.hash(), other.hash());
    }

    #[test]
    fn a_signature_holds_for_its_statement_only() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let statement = ApprovalStatement {
            approval_id: Uuid::now_v7(),
            change_id: Uuid::now_v7(),
            content_hash: [1; 32],
            approver_id: Uuid::now_v7(),
            capacity: Capacity::Board,
            stage: Stage::Approval,
            decision: Decision::Approve,
            decided_at: DateTime::from_timestamp(1_780_000_000, 123_000).unwrap_or_default(),
            key_id: "k".into(),
        };
        let signature = statement.sign(&key);
        assert!(statement.signature_holds(&key.verifying_key(), &signature));
        let flipped = ApprovalStatement { decision: Decision::Reject, ..statement.clone() };
        assert!(!flipped.signature_holds(&key.verifying_key(), &signature));
        let other_content = ApprovalStatement { content_hash: [2; 32], ..statement };
        assert!(!other_content.signature_holds(&key.verifying_key(), &signature));
    }
}
