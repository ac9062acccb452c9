//! Text into search terms: words, lower case, stopwords and chat
//! abbreviations dropped, each word stemmed. Articles are indexed and
//! queries are read by the same function, so both meet on the same terms.

use std::collections::BTreeMap;

use super::stem::stem;

/// Words that carry no meaning for a search, formal and as reporters type
/// them (`gk`, `ga`, `tdk`, `bgt`, `sy`).
const STOPWORDS: &[&str] = &[
    "ada",
    "adalah",
    "agar",
    "aja",
    "akan",
    "aku",
    "apa",
    "atau",
    "bagaimana",
    "bang",
    "bapak",
    "bgt",
    "bisa",
    "bu",
    "buat",
    "dan",
    "dari",
    "dengan",
    "di",
    "dong",
    "ga",
    "gak",
    "gimana",
    "gk",
    "gmn",
    "ibu",
    "ini",
    "itu",
    "jadi",
    "juga",
    "kak",
    "kalau",
    "kami",
    "kan",
    "karena",
    "ke",
    "kenapa",
    "kok",
    "lagi",
    "mas",
    "min",
    "mohon",
    "nggak",
    "nya",
    "oleh",
    "pada",
    "pak",
    "saja",
    "saya",
    "sekali",
    "sih",
    "sudah",
    "sy",
    "tapi",
    "tdk",
    "tidak",
    "tolong",
    "udah",
    "untuk",
    "yang",
    "yg",
];

/// The words of `text` as they are written, lower case (letters and digits).
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

/// The search term of one lower-case word, or `None` for a stopword.
pub fn term(word: &str) -> Option<String> {
    if STOPWORDS.binary_search(&word).is_ok() || word.chars().count() > 40 {
        return None;
    }
    Some(stem(word))
}

/// The terms of `text`, in order.
pub fn terms(text: &str) -> Vec<String> {
    words(text).filter_map(|w| term(&w)).collect()
}

/// How an article's fields count towards its terms: a word of the title
/// weighs three of the body, a keyword two.
pub const TITLE_WEIGHT: u32 = 3;
pub const KEYWORD_WEIGHT: u32 = 2;

/// An article's indexed terms with their weighted frequencies, and its
/// weighted length (BM25's document length).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IndexedTerms {
    pub frequencies: BTreeMap<String, u32>,
    pub length: u32,
}

/// Indexes an article's title, keywords and body.
pub fn index(title: &str, keywords: &[String], body: &str) -> IndexedTerms {
    let mut indexed = IndexedTerms::default();
    let fields = [(title, TITLE_WEIGHT), (body, 1)];
    let keyword_text = keywords.join(" ");
    for (text, weight) in fields.into_iter().chain([(keyword_text.as_str(), KEYWORD_WEIGHT)]) {
        for term in terms(text) {
            *indexed.frequencies.entry(term).or_default() += weight;
            indexed.length += weight;
        }
    }
    indexed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_words_drop_out_and_the_rest_is_stemmed() {
        assert_eq!(terms("gk bisa masuk SIMPEG, passwordnya salah"), ["masuk", "simpeg", "password", "salah"]);
        assert_eq!(terms("Pengiriman surel gagal!"), ["kirim", "surel", "gagal"]);
    }

    #[test]
    fn titles_weigh_more_than_bodies() {
        let indexed = index("Gagal login", &["simpeg".to_owned()], "Login ditolak");
        assert_eq!(indexed.frequencies["login"], TITLE_WEIGHT + 1);
        assert_eq!(indexed.frequencies["simpeg"], KEYWORD_WEIGHT);
        assert_eq!(indexed.length, 2 * TITLE_WEIGHT + KEYWORD_WEIGHT + 2);
    }
}
