//! Small text helpers shared by the model and the renderers: NFC normalisation,
//! case folding for look-ups, Vietnamese number formatting.

use unicode_normalization::UnicodeNormalization;

/// Returns the text in Unicode NFC, the form every stored and rendered string uses.
pub fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// A key for case- and spacing-insensitive comparison of Vietnamese words.
pub fn fold_key(s: &str) -> String {
    nfc(s)
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Upper-cases the first character only ("kế hoạch" → "Kế hoạch").
pub fn capitalize_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Formats an integer with `.` as thousands separator: `10000000` → `10.000.000`.
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// A run of non-breaking spaces standing for a blank to be filled by hand
/// (the number of a draft, the day of an undated letter).
pub const BLANK: &str = "\u{a0}\u{a0}\u{a0}\u{a0}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands() {
        assert_eq!(group_thousands(10_000_000), "10.000.000");
        assert_eq!(group_thousands(100_000_000), "100.000.000");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1.000");
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(-1234), "-1.234");
    }

    #[test]
    fn folding_is_nfc_and_case_insensitive() {
        // "ế" written as e + combining marks folds like the precomposed letter.
        assert_eq!(fold_key("Ke\u{302}\u{301} HOẠCH"), fold_key("kế  hoạch"));
    }
}
