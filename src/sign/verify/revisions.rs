//! The file as revisions, and each signature dictionary as the bytes of its revision
//! hold it.
//!
//! Invariants a signature must meet before its bytes are hashed:
//! - its byte range is `[0 a b c]`, with `b + c` the end of one revision (just after a
//!   `%%EOF` that follows a `startxref` offset, with or without the line break after);
//! - the gap `a..b` is exactly the `/Contents` hex string of *this* dictionary, as the
//!   revision's own cross-reference table places it, and the dictionary names no key
//!   twice (a second `/Contents` or `/ByteRange` would let a reader and a verifier see
//!   different signatures).

/// The ends of the file's revisions, in order: just after each `%%EOF` that closes a
/// revision (it follows `startxref` and an offset), and after the end of line that may
/// follow it (CR, LF or CRLF), which a byte range may or may not include.
pub(super) fn revision_ends(pdf: &[u8]) -> Vec<(usize, usize)> {
    let mut ends = vec![];
    let mut from = 0;
    while let Some(p) = super::super::pades::find(&pdf[from..], b"%%EOF") {
        let at = from + p;
        let plain = at + 5;
        let mut end = plain;
        if pdf.get(end) == Some(&b'\r') {
            end += 1;
        }
        if pdf.get(end) == Some(&b'\n') {
            end += 1;
        }
        if closes_revision(&pdf[..at]) {
            ends.push((plain, end));
        }
        from = end.max(at + 1);
    }
    ends
}

/// Whether `before` (the bytes before a `%%EOF`) ends with `startxref`, white space,
/// an offset and white space: the `%%EOF` closes a revision, it is not a stream's bytes.
fn closes_revision(before: &[u8]) -> bool {
    let mut i = before.len();
    let ws = |b: u8| b.is_ascii_whitespace() || b == 0;
    while i > 0 && ws(before[i - 1]) {
        i -= 1;
    }
    let digits_end = i;
    while i > 0 && before[i - 1].is_ascii_digit() {
        i -= 1;
    }
    if i == digits_end {
        return false;
    }
    let gap_end = i;
    while i > 0 && ws(before[i - 1]) {
        i -= 1;
    }
    i < gap_end && before[..i].ends_with(b"startxref")
}

/// A byte span `[start, end)` of the file.
pub(super) type Span = (usize, usize);

/// A signature dictionary read from the bytes of its revision.
#[derive(Debug)]
pub(super) struct RawSignature {
    /// Where its `/Contents` hex string sits, `<` to `>` inclusive.
    pub contents: Span,
}

/// How deep arrays and dictionaries may nest inside a signature dictionary.
const MAX_DEPTH: usize = 32;

/// Reads the indirect object at `offset` (`N G obj << … >>`) as a signature
/// dictionary: refuses a key written twice and finds its `/Contents` hex string.
pub(super) fn signature_at(pdf: &[u8], offset: usize) -> Result<RawSignature, String> {
    let mut lx = Lexer { b: pdf, i: offset };
    lx.ws();
    lx.number()?;
    lx.ws();
    lx.number()?;
    lx.ws();
    if !lx.rest().starts_with(b"obj") {
        return Err("không thấy đối tượng chữ ký ở vị trí bảng tham chiếu ghi".into());
    }
    lx.i += 3;
    lx.ws();
    if !lx.rest().starts_with(b"<<") {
        return Err("đối tượng chữ ký không phải từ điển".into());
    }
    lx.i += 2;
    let mut keys: Vec<Vec<u8>> = vec![];
    let mut contents = None;
    loop {
        lx.ws();
        if lx.rest().starts_with(b">>") {
            break;
        }
        let key = lx.name()?;
        if keys.contains(&key) {
            return Err(format!(
                "từ điển chữ ký ghi khóa /{} hai lần",
                String::from_utf8_lossy(&key)
            ));
        }
        lx.ws();
        let span = lx.value(0)?;
        if key == b"Contents" {
            if pdf.get(span.0) != Some(&b'<') {
                return Err("/Contents của chữ ký không phải chuỗi hex".into());
            }
            contents = Some(span);
        }
        keys.push(key);
    }
    let contents = contents.ok_or("từ điển chữ ký thiếu /Contents")?;
    Ok(RawSignature { contents })
}

/// The bytes of a hex string `<…>` (white space ignored; an odd last digit is `0`).
pub(super) fn hex_bytes(hex: &[u8]) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = hex
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let value = |d: u8| -> Result<u8, String> {
        (d as char)
            .to_digit(16)
            .map(|v| v as u8)
            .ok_or_else(|| "/Contents có ký tự không phải hex".to_string())
    };
    digits
        .chunks(2)
        .map(|pair| Ok((value(pair[0])? << 4) | pair.get(1).map(|&d| value(d)).unwrap_or(Ok(0))?))
        .collect()
}

/// A PDF lexer just good enough to step over values and measure them.
struct Lexer<'a> {
    b: &'a [u8],
    i: usize,
}

fn delimiter(c: u8) -> bool {
    c.is_ascii_whitespace() || c == 0 || b"()<>[]{}/%".contains(&c)
}

impl Lexer<'_> {
    fn rest(&self) -> &[u8] {
        self.b.get(self.i..).unwrap_or_default()
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn fail<T>(&self) -> Result<T, String> {
        Err(format!("từ điển chữ ký sai cú pháp ở byte {}", self.i))
    }

    /// Skips white space and comments.
    fn ws(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_ascii_whitespace() || c == 0 {
                self.i += 1;
            } else if c == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\n' || c == b'\r' {
                        break;
                    }
                    self.i += 1;
                }
            } else {
                break;
            }
        }
    }

    fn number(&mut self) -> Result<(), String> {
        let start = self.i;
        while let Some(c) = self.peek() {
            if c.is_ascii_digit() || c == b'+' || c == b'-' || c == b'.' {
                self.i += 1;
            } else {
                break;
            }
        }
        if self.i == start { self.fail() } else { Ok(()) }
    }

    fn name(&mut self) -> Result<Vec<u8>, String> {
        if self.peek() != Some(b'/') {
            return self.fail();
        }
        self.i += 1;
        let start = self.i;
        while let Some(c) = self.peek() {
            if delimiter(c) {
                break;
            }
            self.i += 1;
        }
        Ok(self.b[start..self.i].to_vec())
    }

    /// Steps over one value; returns its span.
    fn value(&mut self, depth: usize) -> Result<Span, String> {
        if depth > MAX_DEPTH {
            return Err("từ điển chữ ký lồng quá sâu".into());
        }
        let start = self.i;
        match self.peek() {
            Some(b'<') if self.rest().starts_with(b"<<") => {
                self.i += 2;
                loop {
                    self.ws();
                    if self.rest().starts_with(b">>") {
                        self.i += 2;
                        break;
                    }
                    self.name()?;
                    self.ws();
                    self.value(depth + 1)?;
                }
            }
            Some(b'<') => {
                let end = self.rest().iter().position(|&c| c == b'>');
                match end {
                    Some(n) => self.i += n + 1,
                    None => return self.fail(),
                }
            }
            Some(b'(') => {
                let mut open = 0usize;
                loop {
                    match self.peek() {
                        None => return self.fail(),
                        Some(b'\\') => self.i += 2,
                        Some(b'(') => {
                            open += 1;
                            self.i += 1;
                        }
                        Some(b')') => {
                            open -= 1;
                            self.i += 1;
                            if open == 0 {
                                break;
                            }
                        }
                        Some(_) => self.i += 1,
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                loop {
                    self.ws();
                    match self.peek() {
                        Some(b']') => {
                            self.i += 1;
                            break;
                        }
                        None => return self.fail(),
                        _ => {
                            self.value(depth + 1)?;
                        }
                    }
                }
            }
            Some(b'/') => {
                self.name()?;
            }
            Some(c) if c.is_ascii_digit() || c == b'+' || c == b'-' || c == b'.' => {
                self.number()?;
                // `N G R`: a reference is one value.
                let after = self.i;
                self.ws();
                let generation = self.i;
                if self.number().is_ok() && self.i > generation {
                    self.ws();
                    if self.peek() == Some(b'R')
                        && self.b.get(self.i + 1).is_none_or(|&c| delimiter(c))
                    {
                        self.i += 1;
                        return Ok((start, self.i));
                    }
                }
                self.i = after;
            }
            Some(c) if c.is_ascii_alphabetic() => {
                while let Some(c) = self.peek() {
                    if delimiter(c) {
                        break;
                    }
                    self.i += 1;
                }
            }
            _ => return self.fail(),
        }
        Ok((start, self.i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_end_after_each_eof_that_closes_one() {
        let pdf = b"%PDF-1.7\nstartxref\n9\n%%EOF\nstream %%EOF endstream startxref\r\n44\r\n%%EOF\r\nlast startxref 1 %%EOF";
        let ends = revision_ends(pdf);
        assert_eq!(ends.len(), 3, "{ends:?}");
        assert_eq!(&pdf[..ends[0].1], b"%PDF-1.7\nstartxref\n9\n%%EOF\n");
        assert_eq!(&pdf[ends[1].0 - 5..ends[1].1], b"%%EOF\r\n");
        assert_eq!(ends[2], (pdf.len(), pdf.len()));
    }

    #[test]
    fn a_signature_dictionary_gives_its_one_contents() {
        let pdf = b"junk 12 0 obj\n<< /Type /Sig /ByteRange [0 10 20 30] /Contents <3082 00> /M (D:2026\\)x) /Prop_Build << /App << /Name /X >> >> /P 3 0 R >>\nendobj";
        let sig = signature_at(pdf, 5).unwrap();
        assert_eq!(&pdf[sig.contents.0..sig.contents.1], b"<3082 00>");
        assert_eq!(hex_bytes(b"3082 00").unwrap(), vec![0x30, 0x82, 0x00]);
        let twice = b"1 0 obj << /Contents <00> /Type /Sig /Contents <3082> >> endobj";
        let e = signature_at(twice, 0).unwrap_err();
        assert!(e.contains("/Contents hai lần"), "{e}");
        assert!(signature_at(b"1 0 obj << /Contents (abc) >>", 0).is_err());
        assert!(signature_at(b"1 0 obj [1 2]", 0).is_err());
        let deep = format!(
            "1 0 obj << /A {}1{} /Contents <00> >>",
            "[".repeat(100),
            "]".repeat(100)
        );
        assert!(
            signature_at(deep.as_bytes(), 0)
                .unwrap_err()
                .contains("sâu")
        );
    }
}
