//! The password policy, after NIST SP 800-63B §5.1.1.2: length over composition. A
//! password is at least [`MIN_CHARS`] characters (a sentence with spaces and Vietnamese
//! letters is welcome), at most [`MAX_CHARS`], with no rule about digits or symbols; it
//! is refused when it is common (one of `common-passwords.txt`, or a stem there followed
//! by digits and symbols), only repeats or counts through characters, or holds the
//! account's login.

use super::AccountError;

/// The fewest characters of a password.
pub const MIN_CHARS: usize = 12;
/// The most characters of a password (argon2 takes any length; this bounds the work).
pub const MAX_CHARS: usize = 128;

/// The common passwords and stems, folded (see [`fold`]).
fn common() -> &'static std::collections::HashSet<&'static str> {
    static LIST: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("common-passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Lower case, letters and digits only, Vietnamese letters without their marks (đ → d):
/// "Mật khẩu 123!" → "matkhau123".
fn fold(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.to_lowercase()
        .nfd()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .map(|c| if c == 'đ' { 'd' } else { c })
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Whether every step from one character to the next is 0, +1 or -1 (allowing 9 → 0),
/// as in "aaaaaaaaaaaa", "123456789012", "987654321098", "abcdefghijkl".
fn repetitive_or_sequential(folded: &str) -> bool {
    let chars: Vec<char> = folded.chars().collect();
    if chars.len() < 2 {
        return true;
    }
    let steps: Vec<i64> = chars
        .windows(2)
        .map(|w| w[1] as i64 - w[0] as i64)
        .collect();
    let plain = |step: i64| matches!(step, -1..=1) || step == 9 || step == -9;
    steps.iter().all(|&s| plain(s))
}

/// A password that meets the policy.
pub struct Password(String);

impl Password {
    /// Checks `s` as the password of account `login`.
    pub fn parse_for(s: &str, login: &str) -> Result<Password, AccountError> {
        let weak = |why: &str| Err(AccountError::WeakPassword(why.to_string()));
        let n = s.chars().count();
        if n < MIN_CHARS {
            return weak(&format!(
                "mật khẩu phải có ít nhất {MIN_CHARS} ký tự (một câu dễ nhớ, có dấu cách, là mật khẩu tốt)"
            ));
        }
        if n > MAX_CHARS {
            return weak(&format!("mật khẩu dài quá {MAX_CHARS} ký tự"));
        }
        if s.chars().any(char::is_control) {
            return weak("mật khẩu không được có ký tự điều khiển (xuống dòng, tab)");
        }
        let folded = fold(s);
        let stem = folded.trim_end_matches(|c: char| c.is_ascii_digit());
        if common().contains(folded.as_str())
            || (stem.len() >= 3 && common().contains(stem))
            || (stem.is_empty() && !folded.is_empty())
        {
            return weak(
                "mật khẩu này quá phổ biến (nằm trong danh sách mật khẩu hay bị dò, hoặc chỉ là một từ quen thuộc thêm chữ số); hãy chọn mật khẩu khác",
            );
        }
        if repetitive_or_sequential(&folded) {
            return weak(
                "mật khẩu chỉ lặp lại hoặc nối tiếp các ký tự (như aaaa…, 1234…, abcd…); hãy chọn mật khẩu khác",
            );
        }
        let login = fold(login);
        if login.len() >= 4 && folded.contains(&login) {
            return weak("mật khẩu không được chứa tên đăng nhập");
        }
        Ok(Password(s.to_string()))
    }

    pub(super) fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(p: &str) -> String {
        match Password::parse_for(p, "nguyenvana") {
            Err(AccountError::WeakPassword(why)) => why,
            Err(e) => panic!("{p}: {e}"),
            Ok(_) => panic!("{p} was accepted"),
        }
    }

    #[test]
    fn length_is_the_rule_and_composition_is_not() {
        assert!(refused("Ab1!Ab1!Ab1").contains("ít nhất 12 ký tự"));
        assert!(refused(&"Hoa sen nở ".repeat(13)).contains("dài quá 128"));
        assert!(refused("một hai ba\nbốn năm").contains("điều khiển"));
        // No digit, no capital, no symbol: a sentence is fine.
        for ok in [
            "hoa sen nở trên đầm",
            "mat-khau-cv-123",
            "Sông Thương nước chảy đôi dòng",
            "correct horse battery staple",
        ] {
            assert!(Password::parse_for(ok, "cv").is_ok(), "{ok}");
        }
    }

    #[test]
    fn common_repetitive_sequential_and_login_passwords_are_refused() {
        for common in [
            "password1234",
            "Password@2024",
            "matkhau123456",
            "Mật khẩu 123456",
            "qwertyuiop123",
            "1qaz2wsx3edc",
            "iloveyou2024!",
            "anhyeuem12345",
            "123456789012",
            "vanthu2026!!!",
            "administrator1",
        ] {
            assert!(refused(common).contains("phổ biến"), "{common}");
        }
        for run in [
            "aaaaaaaaaaaa",
            "abcdefghijklm",
            "987654321098",
            "ÂÂÂÂÂÂÂÂÂÂÂÂ",
        ] {
            let why = refused(run);
            assert!(
                why.contains("lặp lại") || why.contains("phổ biến"),
                "{run}: {why}"
            );
        }
        assert!(refused("nguyenvana-2026-sen").contains("tên đăng nhập"));
    }
}
