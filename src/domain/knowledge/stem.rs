//! An Indonesian stemmer in the manner of Nazief–Adriani (as Sastrawi does
//! it): inflectional suffixes, then derivational suffixes and up to two
//! prefixes, each cut confirmed against the root list (`roots`), with the
//! nasal prefixes recoded (`meng`+vowel is `k`+vowel or the vowel,
//! `meny` is `s`, `mem` is `p`, `men` is `t`). A word whose roots are not
//! in the list is cut by the unambiguous rules only, so that a query and an
//! article always cut it alike.

use super::roots::{is_root, EXCEPTIONS};

const PARTICLES: [&str; 4] = ["lah", "kah", "tah", "pun"];
const POSSESSIVES: [&str; 3] = ["nya", "ku", "mu"];
const DERIVATIONAL: [&str; 3] = ["kan", "an", "i"];

fn vowels(word: &str) -> usize {
    word.chars().filter(|c| "aeiou".contains(*c)).count()
}

fn starts_with_vowel(word: &str) -> bool {
    word.chars().next().is_some_and(|c| "aeiou".contains(c))
}

/// A cut leaves something that can still be a word: three letters, a vowel.
fn plausible(rest: &str) -> bool {
    rest.len() >= 3 && vowels(rest) >= 1
}

/// The roots a prefix of `word` may hide, most likely first.
fn unprefixed(word: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut push = |rest: &str, recoded: &[&str]| {
        for lead in recoded {
            let candidate = format!("{lead}{rest}");
            if plausible(&candidate) {
                found.push(candidate);
            }
        }
    };
    let nasal = [("meng", "peng"), ("meny", "peny"), ("mem", "pem"), ("men", "pen"), ("me", "pe")];
    for (me, pe) in nasal {
        let Some(rest) = word.strip_prefix(me).or_else(|| word.strip_prefix(pe)) else { continue };
        let vowel = starts_with_vowel(rest);
        match me {
            "meng" if vowel => push(rest, &["k", ""]),
            "meng" => push(rest, &[""]),
            "meny" if vowel => push(rest, &["s"]),
            "mem" if vowel => push(rest, &["p", "m"]),
            "mem" if rest.starts_with(['b', 'f', 'p', 'v']) => push(rest, &[""]),
            "men" if vowel => push(rest, &["t", "n"]),
            "men" if rest.starts_with(['c', 'd', 'j', 'z', 's']) => push(rest, &[""]),
            "me" | "pe" => push(rest, &[""]),
            _ => {}
        }
        break;
    }
    for prefix in ["di", "ter", "ber", "per", "ke", "se"] {
        if let Some(rest) = word.strip_prefix(prefix) {
            push(rest, &[""]);
        }
    }
    // `bel`+ajar, `pel`+ajar; `be`+kerja (be- before a syllable ending in -er).
    if let Some(rest) = word.strip_prefix("bel").or_else(|| word.strip_prefix("pel")) {
        push(rest, &[""]);
    }
    if let Some(rest) = word.strip_prefix("be").filter(|r| r.get(1..3) == Some("er")) {
        push(rest, &[""]);
    }
    found
}

/// The first root reachable from `word` by at most `depth` prefix cuts.
fn root_behind_prefixes(word: &str, depth: u8) -> Option<String> {
    if is_root(word) {
        return Some(word.to_owned());
    }
    if depth == 0 {
        return None;
    }
    unprefixed(word).into_iter().find_map(|candidate| root_behind_prefixes(&candidate, depth - 1))
}

fn strip_any<'w>(word: &'w str, endings: &[&str]) -> Option<&'w str> {
    endings.iter().find_map(|e| word.strip_suffix(e)).filter(|rest| plausible(rest) && vowels(rest) >= 2)
}

/// The stem of one lower-case word.
pub fn stem(word: &str) -> String {
    if word.len() < 4 || !word.chars().all(|c| c.is_ascii_lowercase()) || is_root(word) {
        return word.to_owned();
    }
    if let Some((_, root)) = EXCEPTIONS.iter().find(|(w, _)| *w == word) {
        return (*root).to_owned();
    }
    let mut forms = vec![word.to_owned()];
    if let Some(rest) = strip_any(word, &PARTICLES) {
        forms.push(rest.to_owned());
    }
    if let Some(rest) = forms.last().and_then(|w| strip_any(w, &POSSESSIVES)).map(str::to_owned) {
        forms.push(rest);
    }
    let inflected = forms.last().cloned().unwrap_or_default();
    for form in forms.iter().rev() {
        if is_root(form) {
            return form.clone();
        }
    }
    // Derivational suffix first, then the prefixes (Nazief–Adriani); the
    // word itself last (a prefix alone: `dikirim`).
    let suffixed = DERIVATIONAL.iter().filter_map(|s| inflected.strip_suffix(s)).filter(|r| plausible(r));
    for base in suffixed.map(str::to_owned).chain([inflected.clone()]) {
        if let Some(root) = root_behind_prefixes(&base, 2) {
            return root;
        }
    }
    fallback(&inflected)
}

/// The cut of a word whose root is not listed: one unambiguous prefix
/// (the nasal ones recoded to their commonest root letter) and one
/// derivational suffix, each only when a plausible word stays.
fn fallback(word: &str) -> String {
    let mut rest = word.to_owned();
    for (prefix, lead) in [
        ("meny", "s"),
        ("peny", "s"),
        ("meng", ""),
        ("peng", ""),
        ("mem", ""),
        ("pem", ""),
        ("men", ""),
        ("pen", ""),
        ("di", ""),
        ("ter", ""),
        ("ber", ""),
    ] {
        if let Some(cut) =
            rest.strip_prefix(prefix).map(|r| format!("{lead}{r}")).filter(|r| plausible(r) && vowels(r) >= 2)
        {
            rest = cut;
            break;
        }
    }
    if let Some(cut) = strip_any(&rest, &DERIVATIONAL) {
        rest = cut.to_owned();
    }
    rest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn affixed_forms_find_their_root() {
        let table = [
            ("mengirimkan", "kirim"),
            ("dikirim", "kirim"),
            ("pengiriman", "kirim"),
            ("terkirim", "kirim"),
            ("kiriman", "kirim"),
            ("memperbaiki", "baik"),
            ("perbaikan", "baik"),
            ("diperbaiki", "baik"),
            ("menggunakan", "guna"),
            ("penggunaan", "guna"),
            ("menyimpan", "simpan"),
            ("penyimpanan", "simpan"),
            ("memakai", "pakai"),
            ("pemakaian", "pakai"),
            ("menulis", "tulis"),
            ("penulisan", "tulis"),
            ("mengambil", "ambil"),
            ("mencetak", "cetak"),
            ("pencetakan", "cetak"),
            ("melaporkan", "lapor"),
            ("pelaporan", "lapor"),
            ("pelayanan", "layan"),
            ("layanan", "layan"),
            ("berhasil", "hasil"),
            ("keberhasilan", "hasil"),
            ("bekerja", "kerja"),
            ("belajar", "ajar"),
            ("masukkan", "masuk"),
            ("dimasukkan", "masuk"),
            ("memasukkan", "masuk"),
            ("aplikasinya", "aplikasi"),
            ("bisakah", "bisa"),
            ("mengakses", "akses"),
            ("diakses", "akses"),
            ("pengaturan", "atur"),
            ("diunduh", "unduh"),
            ("mengunggah", "unggah"),
            ("permasalahan", "masalah"),
            ("sambungan", "sambung"),
            ("tersambung", "sambung"),
        ];
        let wrong: Vec<_> = table.iter().filter(|(w, root)| stem(w) != *root).map(|(w, r)| (w, r, stem(w))).collect();
        assert!(wrong.is_empty(), "{wrong:?}");
    }

    #[test]
    fn over_stemming_is_held_back() {
        assert_eq!(stem("berikan"), "beri");
        assert_eq!(stem("bali"), "bali");
        assert_eq!(stem("ikan"), "ikan");
        assert_eq!(stem("digital"), "digital");
        assert_eq!(stem("server"), "server");
        assert_eq!(stem("makan"), "makan");
    }

    #[test]
    fn unknown_words_are_cut_alike_in_every_form() {
        // `sertifikat` is not listed: its forms still meet.
        assert_eq!(stem("disertifikat"), stem("sertifikat"));
        assert_eq!(stem("sertifikatnya"), stem("sertifikat"));
        // English and short words stay as they are.
        assert_eq!(stem("password"), "password");
        assert_eq!(stem("vpn"), "vpn");
        assert_eq!(stem("2fa"), "2fa");
    }
}
