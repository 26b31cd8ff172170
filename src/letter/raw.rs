//! The letter file as TOML reads it, before anything is checked.

use serde::Deserialize;

/// A value written either as one string (lines split at newlines) or as a list of lines.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Lines {
    One(String),
    Many(Vec<String>),
}

impl Lines {
    /// The printed lines.
    pub fn into_vec(self) -> Vec<String> {
        match self {
            Lines::One(s) => s.lines().map(String::from).collect(),
            Lines::Many(v) => v,
        }
    }
}

/// A count written as a number or, by mistake, as text (refused with a message).
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum Count {
    Number(i64),
    Text(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLetter {
    pub(super) kind: Option<String>,
    /// A stored programme whose data tera may use as `programme`.
    pub(super) programme: Option<String>,
    pub(super) subject: Option<String>,
    pub(super) number: Option<i64>,
    pub(super) date: Option<toml::Value>,
    pub(super) urgency: Option<String>,
    /// ô 10a: "mật", "tối mật", "tuyệt mật".
    pub(super) secrecy: Option<String>,
    /// ô 11: "xem xong trả lại", "lưu hành nội bộ".
    pub(super) circulation: Option<String>,
    /// ô 12: the drafter's initials; with `copies`, the number of copies.
    pub(super) drafter: Option<String>,
    pub(super) copies: Option<Count>,
    /// ô 13: the agency's address line(s) (address, phone, e-mail, website).
    #[serde(default)]
    pub(super) address: Vec<String>,
    #[serde(default)]
    pub(super) addressees: Vec<String>,
    #[serde(default)]
    pub(super) recipients: Vec<String>,
    pub(super) body: Option<String>,
    pub(super) issuer: Option<RawIssuer>,
    pub(super) signer: Option<RawSigner>,
    pub(super) decision: Option<RawDecision>,
    #[serde(default)]
    pub(super) annexes: Vec<RawAnnex>,
    #[serde(default)]
    pub(super) data: toml::Table,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawIssuer {
    pub(super) id: Option<String>,
    pub(super) parent: Option<String>,
    pub(super) name: Option<Lines>,
    pub(super) abbreviation: Option<String>,
    pub(super) unit: Option<String>,
    pub(super) place: Option<String>,
    pub(super) short_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSigner {
    pub(super) id: Option<String>,
    #[serde(default)]
    pub(super) authority: Option<Lines>,
    pub(super) title: Option<String>,
    pub(super) name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDecision {
    pub(super) authority: Option<String>,
    #[serde(default)]
    pub(super) grounds: Vec<String>,
    pub(super) proposal: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAnnex {
    #[serde(default)]
    pub(super) label: String,
    pub(super) title: Option<String>,
    pub(super) attached: Option<String>,
    pub(super) body: Option<String>,
}
