//! The e-mail that carries an issued document to one recipient: subject
//! `[780/UBND-KT] V/v …` (RFC 2047 when it is not ASCII), a plain-text and an HTML body
//! from the tera templates in `templates/email/`, the register's PDF and DOCX attached
//! byte for byte under Vietnamese file names (RFC 2231), From/Reply-To from the issuing
//! agency, and the stable Message-ID of (document, recipient).

use std::sync::{Arc, OnceLock};

use lettre::Message;
use lettre::message::header::{
    ContentDisposition, ContentTransferEncoding, Header, HeaderName, HeaderValue,
};
use lettre::message::{Mailbox, MultiPart, SinglePart};

use super::MailError;
use super::settings::MailSettings;
use crate::data::Email;
use crate::store::Store;
use crate::store::register::{self, Entry};
use crate::text::header_safe;

const TEXT: &str = include_str!("../../templates/email/document.txt");
const HTML: &str = include_str!("../../templates/email/document.html");

fn templates() -> &'static tera::Tera {
    static T: OnceLock<tera::Tera> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = tera::Tera::default();
        t.add_raw_templates([("document.txt", TEXT), ("document.html", HTML)])
            .expect("the e-mail templates parse");
        t
    })
}

/// Who a document's messages come from.
#[derive(Debug, Clone)]
pub struct Sender {
    pub from: Mailbox,
    pub reply_to: Option<Mailbox>,
}

impl Sender {
    /// The domain for Message-IDs: the sender's.
    pub fn domain(&self) -> &str {
        self.from.email.domain()
    }
}

/// The sender of `entry`: its issuing agency's address (and reply-to), else the
/// configured `mail.from`.
pub fn sender(store: &Store, entry: &Entry, settings: &MailSettings) -> Result<Sender, MailError> {
    let stored = crate::store::agencies::agency(store.conn(), &entry.issuer)?
        .map(|a| (a.short_name, a.email, a.reply_to));
    let mailbox = |name: &str, addr: &str| -> Result<Mailbox, MailError> {
        let email = Email::parse(addr).map_err(MailError::Address)?;
        Ok(Mailbox::new(
            Some(header_safe(name)),
            email
                .as_str()
                .parse()
                .map_err(|e| MailError::Address(format!("{addr}: {e}")))?,
        ))
    };
    let name = stored
        .as_ref()
        .map_or(entry.issuer_name.as_str(), |s| s.0.as_str());
    let from = match (stored.as_ref().and_then(|s| s.1.as_deref()), &settings.from) {
        (Some(addr), _) => mailbox(name, addr)?,
        (None, Some(addr)) => mailbox(name, addr)?,
        (None, None) => return Err(MailError::NoSender(entry.issuer.clone())),
    };
    let reply_to = match stored.as_ref().and_then(|s| s.2.as_deref()) {
        Some(addr) => Some(mailbox(name, addr)?),
        None => None,
    };
    Ok(Sender { from, reply_to })
}

/// An issued document ready to be mailed: its register entry, files and sender. The
/// files are shared by every message of the document.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub entry: Entry,
    pub pdf: Arc<Vec<u8>>,
    pub docx: Arc<Vec<u8>>,
    pub sender: Sender,
    /// The DKIM key of the sender's domain, when one is configured.
    pub dkim: Option<super::dkim::Signer>,
    /// The attachment parts (the PDF, and the DOCX when the document has one: an
    /// electronic copy is its PDF alone), encoded once for every message.
    attachments: Vec<SinglePart>,
    /// The attachments' file names, in the same order.
    names: Vec<String>,
}

impl Outgoing {
    /// Loads the document's stored files and its sender.
    pub fn load(store: &Store, entry: Entry, settings: &MailSettings) -> Result<Self, MailError> {
        // A secret document's files are never attached to anything sent.
        super::refuse_secret(store, &entry)?;
        let (pdf, docx) = register::files(store, entry.id)?;
        let sender = sender(store, &entry, settings)?;
        let dkim = super::dkim::for_domain(&settings.dkim, sender.domain())
            .map_err(MailError::Settings)?;
        let [pdf_name, docx_name] = file_names(&entry);
        let mut attachments = vec![attachment(&pdf_name, "application/pdf", &pdf)];
        let mut names = vec![pdf_name];
        if !docx.is_empty() {
            attachments.push(attachment(
                &docx_name,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                &docx,
            ));
            names.push(docx_name);
        }
        Ok(Outgoing {
            entry,
            pdf: Arc::new(pdf),
            docx: Arc::new(docx),
            sender,
            dkim,
            attachments,
            names,
        })
    }

    /// The subject: `[number/symbol] subject`.
    pub fn subject(&self) -> String {
        header_safe(&format!(
            "[{}] {}",
            self.entry
                .number_symbol
                .replace(crate::text::BLANK_CHAR, " "),
            self.entry.subject
        ))
    }

    /// The attachment file names: `<Kind> <number-symbol>.pdf|.docx` (the `/` of the
    /// symbol becomes `-`), e.g. `Công văn 780-UBND-KT.pdf`.
    pub fn file_names(&self) -> [String; 2] {
        file_names(&self.entry)
    }

    /// The message to one recipient.
    pub fn message(
        &self,
        recipient: &str,
        email: &str,
        message_id: &str,
    ) -> Result<Message, MailError> {
        let to = Mailbox::new(
            Some(header_safe(recipient)),
            email
                .parse()
                .map_err(|e| MailError::Address(format!("{email}: {e}")))?,
        );
        let date = chrono::NaiveDate::parse_from_str(&self.entry.date, "%Y-%m-%d")
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_else(|_| self.entry.date.clone());
        let mut ctx = tera::Context::new();
        ctx.insert("recipient", recipient);
        ctx.insert("issuer", &self.sender.from.name.clone().unwrap_or_default());
        ctx.insert("kind", &self.entry.kind);
        ctx.insert("number", &self.entry.number_symbol);
        ctx.insert("date", &date);
        ctx.insert("subject", &self.entry.subject);
        ctx.insert("signer", &self.entry.signer);
        ctx.insert("files", &self.names);
        ctx.insert("copy", &(self.entry.series == register::Series::Copy));
        ctx.insert("message_id", message_id);
        let text = templates()
            .render("document.txt", &ctx)
            .map_err(|e| MailError::Template(crate::letter::error_chain(&e)))?;
        let html = templates()
            .render("document.html", &ctx)
            .map_err(|e| MailError::Template(crate::letter::error_chain(&e)))?;
        let mut builder = Message::builder()
            .from(self.sender.from.clone())
            .to(to)
            .subject(self.subject())
            .message_id(Some(message_id.to_string()));
        if let Some(r) = &self.sender.reply_to {
            builder = builder.reply_to(r.clone());
        }
        let body = self.attachments.iter().cloned().fold(
            MultiPart::mixed().multipart(
                MultiPart::alternative()
                    .singlepart(SinglePart::plain(text))
                    .singlepart(SinglePart::html(html)),
            ),
            |body, part| body.singlepart(part),
        );
        let mut message = builder
            .multipart(body)
            .map_err(|e| MailError::Build(e.to_string()))?;
        // Vietnam time, as everything else the agency writes (lettre writes UTC), and
        // RFC 3834's mark of a message no person typed, which the body also says.
        let raw = |name: &'static str, value: String| {
            HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
        };
        let now = chrono::Utc::now().with_timezone(&crate::vietnam_offset());
        let headers = message.headers_mut();
        headers.insert_raw(raw("Date", now.to_rfc2822()));
        headers.insert_raw(raw("Auto-Submitted", "auto-generated".into()));
        // Last: the signature covers the headers as they leave.
        if let Some(dkim) = &self.dkim {
            dkim.sign(&mut message);
        }
        Ok(message)
    }
}

fn file_names(entry: &Entry) -> [String; 2] {
    let mut kind = entry.kind.clone();
    if let Some(first) = kind.chars().next() {
        kind = first.to_uppercase().chain(kind.chars().skip(1)).collect();
    }
    let stem = format!(
        "{kind} {}",
        entry
            .number_symbol
            .replace(['/', crate::text::BLANK_CHAR], "-")
    );
    let stem = header_safe(&stem);
    [format!("{stem}.pdf"), format!("{stem}.docx")]
}

/// An attachment part: its file name in Content-Disposition (RFC 2231) and Content-Type
/// (`name=`), the bytes in base64.
fn attachment(name: &str, mime: &'static str, bytes: &[u8]) -> SinglePart {
    SinglePart::builder()
        .header(ContentDisposition::attachment(name))
        .header(NamedType {
            mime,
            name: name.to_string(),
        })
        .header(ContentTransferEncoding::Base64)
        .body(bytes.to_vec())
}

/// An attachment's `Content-Type` with the file name as `name=` too, for the mail clients
/// that read only that one (older Outlook): RFC 2047 encoded words inside the quotes, as
/// they expect, and folded so that no line passes 78 characters. (`Content-Disposition`
/// carries the standard RFC 2231 `filename*`.)
#[derive(Debug, Clone)]
struct NamedType {
    mime: &'static str,
    name: String,
}

impl Header for NamedType {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Content-Type")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Err("NamedType is only written".into())
    }

    fn display(&self) -> HeaderValue {
        use base64::Engine;
        let raw = format!("{}; name=\"{}\"", self.mime, self.name);
        let name = if self.name.is_ascii() && !self.name.contains(['"', '\\']) {
            self.name.clone()
        } else {
            // Encoded words of at most 42 bytes of text (75 characters each), cut at
            // character boundaries.
            let mut words = vec![];
            let mut chunk = String::new();
            for c in self.name.chars() {
                if chunk.len() + c.len_utf8() > 42 {
                    words.push(std::mem::take(&mut chunk));
                }
                chunk.push(c);
            }
            words.push(chunk);
            words
                .iter()
                .map(|w| {
                    format!(
                        "=?utf-8?b?{}?=",
                        base64::engine::general_purpose::STANDARD.encode(w)
                    )
                })
                .collect::<Vec<_>>()
                .join("\r\n ")
        };
        // "Content-Type: " is 14 characters: a type too long for the first line starts
        // on the next.
        let lead = if 14 + self.mime.len() + 1 > 78 {
            "\r\n "
        } else {
            ""
        };
        let encoded = format!("{lead}{};\r\n name=\"{name}\"", self.mime);
        HeaderValue::dangerous_new_pre_encoded(Self::name(), raw, encoded)
    }
}

/// The message as it goes on the wire: lettre's formatting, with the header lines it
/// leaves longer than 78 characters (address fields) folded at a space. Done after DKIM
/// signing, which is safe: the signature's relaxed header canonicalisation unfolds.
pub fn wire(message: &Message) -> Vec<u8> {
    let bytes = message.formatted();
    let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") else {
        return bytes;
    };
    let Ok(head) = std::str::from_utf8(&bytes[..end]) else {
        return bytes;
    };
    let mut out = Vec::with_capacity(bytes.len() + 64);
    for (i, line) in head.split("\r\n").enumerate() {
        if i > 0 {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(fold(line, 78).as_bytes());
    }
    out.extend_from_slice(&bytes[end..]);
    out
}

/// Folds one header line at spaces so that each piece is at most `limit` characters
/// where a space allows it (a longer word stays whole).
fn fold(line: &str, limit: usize) -> String {
    if line.len() <= limit || !line.is_ascii() {
        return line.to_string();
    }
    let mut out = String::with_capacity(line.len() + 8);
    let mut rest = line;
    // Never fold right after the field name.
    let min = line.find(':').map_or(0, |c| c + 2);
    let mut first = true;
    while rest.len() > limit {
        let floor = if first { min } else { 1 };
        let cut = rest[..=limit]
            .rfind(' ')
            .filter(|&i| i > floor)
            .or_else(|| rest[floor.min(rest.len())..].find(' ').map(|i| i + floor))
            .filter(|&i| i > 0);
        let Some(cut) = cut else { break };
        out.push_str(&rest[..cut]);
        out.push_str("\r\n");
        rest = &rest[cut..];
        first = false;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_header_lines_fold_at_spaces() {
        let line =
            "From: =?utf-8?b?VUJORCBodXnhu4duIEzhu6VjIE5hbQ==?= <ubnd@lucnam.vanthu.example>";
        let folded = fold(line, 78);
        assert_eq!(
            folded,
            "From: =?utf-8?b?VUJORCBodXnhu4duIEzhu6VjIE5hbQ==?=\r\n <ubnd@lucnam.vanthu.example>"
        );
        assert!(folded.split("\r\n").all(|l| l.len() <= 78));
        assert_eq!(fold("Subject: short", 78), "Subject: short");
        // One long word after the name: nothing to fold at.
        let word = format!("X-Long: {}", "a".repeat(90));
        assert_eq!(fold(&word, 78), word);
    }

    #[test]
    fn attachment_types_carry_an_encoded_name_within_78_columns() {
        let v = NamedType {
            mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            name: "Quyết định 1234-QĐ-UBND về việc công nhận sản phẩm OCOP.docx".into(),
        }
        .display();
        let mut headers = lettre::message::header::Headers::new();
        headers.insert_raw(v);
        let text = headers.to_string();
        assert!(text.lines().all(|l| l.len() <= 78), "{text}");
        assert!(text.contains(" name=\"=?utf-8?b?"), "{text}");
    }
}
