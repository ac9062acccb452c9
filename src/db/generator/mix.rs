//! What a generated ticket's life looks like: drawn from a seeded random
//! source in the proportions of a Dinas's history (about 8 % open, 4 %
//! resolved, the rest closed; about 15 % escalated to tier 2; some
//! returned, some pending on the way). No I/O: the store side lives it.

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::Rng;

use crate::domain::ticket::{Channel, Level, PendingReason, ResolutionCode, Status, TicketType};

/// One step of a ticket's life, taken `after` the previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Assign,
    Start,
    Pend(PendingReason),
    Resume,
    Escalate,
    Return,
    Resolve(ResolutionCode),
    Close,
}

/// A drawn life: who files what, when, and the steps it takes.
#[derive(Debug, Clone)]
pub struct Fate {
    pub desk: usize,
    pub service: usize,
    pub ticket_type: TicketType,
    pub impact: Level,
    pub urgency: Level,
    pub channel: Channel,
    /// Filed by a reporter of the unit rather than on someone's behalf.
    pub by_reporter: bool,
    /// Which of the desk's people file and work it.
    pub people: usize,
    pub created_at: DateTime<Utc>,
    pub steps: Vec<(Step, Duration)>,
    pub title: String,
    pub description: String,
}

fn pick<T: Copy>(rng: &mut StdRng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut n = rng.gen_range(0..total);
    for (item, weight) in items {
        if n < *weight {
            return *item;
        }
        n -= weight;
    }
    items[0].0
}

fn minutes(rng: &mut StdRng, from: i64, to: i64) -> Duration {
    Duration::minutes(rng.gen_range(from..=to))
}

/// Where the drawn life stops: the status it ends in.
fn final_status(rng: &mut StdRng) -> Status {
    pick(
        rng,
        &[
            (Status::Closed, 880),
            (Status::Resolved, 40),
            (Status::New, 20),
            (Status::Assigned, 12),
            (Status::InProgress, 30),
            (Status::Pending, 18),
        ],
    )
}

/// The full life of a ticket that ends closed; `direct` tickets begin at tier 2.
fn full_life(rng: &mut StdRng, direct: bool, must_pend: bool) -> Vec<(Step, Duration)> {
    let mut steps = vec![(Step::Assign, minutes(rng, 3, 240)), (Step::Start, minutes(rng, 1, 90))];
    if must_pend || rng.gen_bool(0.1) {
        let reason =
            if rng.gen_bool(0.7) { PendingReason::WaitingForReporter } else { PendingReason::WaitingForVendor };
        steps.push((Step::Pend(reason), minutes(rng, 10, 600)));
        steps.push((Step::Resume, minutes(rng, 60, 4_000)));
    }
    if !direct && rng.gen_bool(0.17) {
        steps.push((Step::Escalate, minutes(rng, 20, 900)));
        steps.push((Step::Start, minutes(rng, 5, 300)));
        if rng.gen_bool(0.2) {
            steps.push((Step::Return, minutes(rng, 30, 1_400)));
            steps.push((Step::Start, minutes(rng, 5, 240)));
        }
    }
    // A long tail: most tickets are solved within a day, some take weeks.
    let work = if rng.gen_bool(0.85) { minutes(rng, 15, 1_200) } else { minutes(rng, 1_200, 30_000) };
    let code = pick(
        rng,
        &[
            (ResolutionCode::Solved, 80),
            (ResolutionCode::Workaround, 10),
            (ResolutionCode::NotReproducible, 4),
            (ResolutionCode::Duplicate, 3),
            (ResolutionCode::OutOfScope, 2),
            (ResolutionCode::WithdrawnByReporter, 1),
        ],
    );
    steps.push((Step::Resolve(code), work));
    steps.push((Step::Close, minutes(rng, 30, 4_300)));
    steps
}

/// The steps up to the status the ticket ends in (the last of the
/// prefixes of `life` that end there; none for `new` at tier 1).
fn cut(life: Vec<(Step, Duration)>, end: Status, rng: &mut StdRng) -> Vec<(Step, Duration)> {
    let ends_in = |step: Step| match step {
        Step::Assign => Status::Assigned,
        Step::Start | Step::Resume => Status::InProgress,
        Step::Pend(_) => Status::Pending,
        Step::Escalate | Step::Return => Status::New,
        Step::Resolve(_) => Status::Resolved,
        Step::Close => Status::Closed,
    };
    let mut ends: Vec<usize> =
        life.iter().enumerate().filter(|(_, (s, _))| ends_in(*s) == end).map(|(i, _)| i + 1).collect();
    if end == Status::New {
        ends.push(0);
    }
    let keep = if ends.is_empty() { 0 } else { ends[rng.gen_range(0..ends.len())] };
    life.into_iter().take(keep).collect()
}

const PROBLEMS: [&str; 16] = [
    "Tidak bisa login ke",
    "Aplikasi lambat saat membuka",
    "Muncul pesan error di",
    "Permintaan akun baru untuk",
    "Reset kata sandi",
    "Data tidak tersimpan di",
    "Gagal mengunggah dokumen ke",
    "Laporan tidak bisa dicetak dari",
    "Sertifikat elektronik ditolak oleh",
    "Halaman kosong setelah pembaruan",
    "Sinkronisasi data terhenti pada",
    "Akses ditolak ke menu",
    "Permintaan penambahan hak akses",
    "Tampilan berantakan di",
    "Notifikasi tidak terkirim dari",
    "Koneksi terputus saat memakai",
];
const PLACES: [&str; 10] = [
    "ruang rapat lantai 2",
    "bidang keuangan",
    "sekretariat",
    "bagian umum",
    "loket pelayanan",
    "ruang arsip",
    "bidang perencanaan",
    "subbagian kepegawaian",
    "puskesmas kecamatan",
    "kantor camat",
];
const SYLLABLES: [&str; 12] = ["ka", "ri", "mu", "sa", "lo", "ne", "ta", "bu", "di", "po", "ga", "we"];

/// A word no other ticket is likely to share (a code, a name), so text
/// search has something selective to find.
fn token(rng: &mut StdRng) -> String {
    (0..3).map(|_| SYLLABLES[rng.gen_range(0..SYLLABLES.len())]).collect::<String>()
        + &rng.gen_range(10..99).to_string()
}

/// Draws the life of one ticket ending before `now`, at one of `desks`
/// desks and `services` services (`direct[i]`: service i starts at tier 2).
pub fn draw(rng: &mut StdRng, desks: usize, direct: &[bool], service_names: &[String], now: DateTime<Utc>) -> Fate {
    // Services that go straight to tier 2 (networks, data centre) are
    // reported less often than applications.
    let weights: Vec<(usize, u32)> = direct.iter().enumerate().map(|(i, d)| (i, if *d { 1 } else { 4 })).collect();
    let service = pick(rng, &weights);
    let end = final_status(rng);
    let life = full_life(rng, direct[service], end == Status::Pending);
    let steps = cut(life, end, rng);
    let span: Duration = steps.iter().map(|(_, gap)| *gap).sum();
    // Closed tickets spread over two years; open and resolved ones are
    // mostly recent, with a tail of old forgotten ones.
    let age = if end == Status::Closed {
        Duration::minutes(rng.gen_range(0..730 * 24 * 60))
    } else {
        let days: f64 = -20.0 * (1.0 - rng.gen::<f64>()).ln();
        Duration::minutes((days.min(700.0) * 24.0 * 60.0) as i64)
    };
    let created_at = now - span - age - Duration::minutes(1);
    let name = &service_names[service];
    let place = PLACES[rng.gen_range(0..PLACES.len())];
    let problem = PROBLEMS[rng.gen_range(0..PROBLEMS.len())];
    let code = token(rng);
    Fate {
        desk: rng.gen_range(0..desks),
        service,
        ticket_type: pick(
            rng,
            &[
                (TicketType::Incident, 55),
                (TicketType::ServiceRequest, 30),
                (TicketType::Complaint, 10),
                (TicketType::Problem, 3),
                (TicketType::ChangeRequest, 2),
            ],
        ),
        impact: pick(rng, &[(Level::High, 15), (Level::Medium, 45), (Level::Low, 40)]),
        urgency: pick(rng, &[(Level::High, 20), (Level::Medium, 45), (Level::Low, 35)]),
        channel: pick(rng, &[(Channel::Web, 50), (Channel::Phone, 20), (Channel::Email, 15), (Channel::WalkIn, 10), (Channel::Api, 5)]),
        by_reporter: rng.gen_bool(0.6),
        people: rng.gen_range(0..1_000_000),
        created_at,
        steps,
        title: format!("{problem} {name} ({place})"),
        description: format!(
            "Dilaporkan dari {place}: {problem} {name}. Kode kejadian {code}. Sudah dicoba keluar-masuk dan memuat ulang, masalah tetap muncul."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn lives_end_before_now_in_the_drawn_proportions() {
        let mut rng = StdRng::seed_from_u64(7);
        let now = Utc::now();
        let names: Vec<String> = (0..4).map(|i| format!("S{i}")).collect();
        let (mut closed, mut escalated, n) = (0, 0, 20_000);
        for _ in 0..n {
            let fate = draw(&mut rng, 8, &[false, false, false, true], &names, now);
            let span: Duration = fate.steps.iter().map(|(_, gap)| *gap).sum();
            assert!(fate.created_at + span < now);
            closed += usize::from(fate.steps.last().map(|(s, _)| *s) == Some(Step::Close));
            escalated += usize::from(fate.steps.iter().any(|(s, _)| *s == Step::Escalate));
        }
        assert!((0.85..0.91).contains(&(closed as f64 / n as f64)), "closed {closed}");
        assert!((0.10..0.18).contains(&(escalated as f64 / n as f64)), "escalated {escalated}");
    }

    #[test]
    fn a_pending_end_has_a_pend_step_last() {
        let mut rng = StdRng::seed_from_u64(3);
        for _ in 0..200 {
            let life = full_life(&mut rng, false, true);
            let steps = cut(life, Status::Pending, &mut rng);
            assert!(matches!(steps.last(), Some((Step::Pend(_), _))));
        }
    }
}
