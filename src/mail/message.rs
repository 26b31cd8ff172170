//! The e-mail that carries an issued document to one recipient: subject
//! `[780/UBND-KT] V/v …` (RFC 2047 when it is not ASCII), a plain-text and an HTML body
//! from the tera templates in `templates/email/`, the register's PDF and DOCX attached
//! byte for byte under Vietnamese file names (RFC 2231), From/Reply-To from the issuing
//! agency, and the stable Message-ID of (document, recipient).

use std::sync::{Arc, OnceLock};

use lettre::Message;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use rusqlite::OptionalExtension;

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
    let stored: Option<(String, Option<String>, Option<String>)> = store
        .conn()
        .query_row(
            "SELECT short_name, email, reply_to FROM agencies WHERE id = ?1",
            [&entry.issuer],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
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
}

impl Outgoing {
    /// Loads the document's stored files and its sender.
    pub fn load(store: &Store, entry: Entry, settings: &MailSettings) -> Result<Self, MailError> {
        let (pdf, docx) = register::files(store, entry.id)?;
        let sender = sender(store, &entry, settings)?;
        let dkim = super::dkim::for_domain(&settings.dkim, sender.domain())
            .map_err(MailError::Settings)?;
        Ok(Outgoing {
            entry,
            pdf: Arc::new(pdf),
            docx: Arc::new(docx),
            sender,
            dkim,
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
        let mut kind = self.entry.kind.clone();
        if let Some(first) = kind.chars().next() {
            kind = first.to_uppercase().chain(kind.chars().skip(1)).collect();
        }
        let stem = format!(
            "{kind} {}",
            self.entry
                .number_symbol
                .replace(['/', crate::text::BLANK_CHAR], "-")
        );
        let stem = header_safe(&stem);
        [format!("{stem}.pdf"), format!("{stem}.docx")]
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
        let [pdf_name, docx_name] = self.file_names();
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
        ctx.insert("files", &[&pdf_name, &docx_name]);
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
        let pdf_type = ContentType::parse("application/pdf").expect("valid MIME type");
        let docx_type = ContentType::parse(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        .expect("valid MIME type");
        let body = MultiPart::mixed()
            .multipart(
                MultiPart::alternative()
                    .singlepart(SinglePart::plain(text))
                    .singlepart(SinglePart::html(html)),
            )
            .singlepart(Attachment::new(pdf_name).body(self.pdf.as_ref().clone(), pdf_type))
            .singlepart(Attachment::new(docx_name).body(self.docx.as_ref().clone(), docx_type));
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
