//! The verdicts in words: a stable machine code per outcome, one Vietnamese line a
//! clerk reads, times in Vietnam time written the Vietnamese way, and the technical
//! detail (OIDs, subject names, the PAdES level) in a block of its own.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::path::CertProblem;
use super::revocation::Status;
use super::{Kind, Report, Revocation, SignatureCheck};
use crate::sign::keys::RevocationMode;

/// The outcome of one signature, as the API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Valid,
    /// Valid, but no revocation information answered for some certificate (soft).
    ValidRevocationUnchecked,
    BadByteRange,
    Malformed,
    UnsupportedAlgorithm,
    SignatureMismatch,
    ModifiedAfterSigning,
    Untrusted,
    Expired,
    NotYetValid,
    InvalidIssuer,
    WrongKeyUsage,
    UnknownCriticalExtension,
    InvalidTimestamp,
    Revoked,
    /// No revocation information answered, and `[signing] revocation = "hard"`.
    RevocationUnchecked,
    CertificateInvalid,
}

impl Code {
    /// The stable machine code.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Valid => "valid",
            Code::ValidRevocationUnchecked => "valid_revocation_unchecked",
            Code::BadByteRange => "bad_byte_range",
            Code::Malformed => "malformed",
            Code::UnsupportedAlgorithm => "unsupported_algorithm",
            Code::SignatureMismatch => "signature_mismatch",
            Code::ModifiedAfterSigning => "modified_after_signing",
            Code::Untrusted => "untrusted",
            Code::Expired => "expired",
            Code::NotYetValid => "not_yet_valid",
            Code::InvalidIssuer => "invalid_issuer",
            Code::WrongKeyUsage => "wrong_key_usage",
            Code::UnknownCriticalExtension => "unknown_critical_extension",
            Code::InvalidTimestamp => "invalid_timestamp",
            Code::Revoked => "revoked",
            Code::RevocationUnchecked => "revocation_unchecked",
            Code::CertificateInvalid => "certificate_invalid",
        }
    }

    /// Whether the signature counts as valid.
    pub fn is_valid(self) -> bool {
        matches!(self, Code::Valid | Code::ValidRevocationUnchecked)
    }
}

/// A day the Vietnamese way: `31/12/2021`.
pub fn day(t: DateTime<Utc>) -> String {
    t.with_timezone(&crate::vietnam_offset())
        .format("%d/%m/%Y")
        .to_string()
}

/// A moment the Vietnamese way: `09:30 ngày 02/12/2026`.
fn moment(iso: &str) -> String {
    DateTime::parse_from_rfc3339(iso)
        .map(|t| {
            t.with_timezone(&crate::vietnam_offset())
                .format("%H:%M ngày %d/%m/%Y")
                .to_string()
        })
        .unwrap_or_else(|_| iso.to_string())
}

/// A signature that failed before its certificates were looked at.
pub(super) fn judge_failure(c: &mut SignatureCheck, code: Code, why: String) {
    let line = match code {
        Code::ModifiedAfterSigning => format!("Văn bản đã bị sửa sau khi ký: {why}"),
        Code::UnsupportedAlgorithm => format!("Không kiểm tra được: {why}"),
        Code::InvalidTimestamp => {
            format!("Không hợp lệ: dấu thời gian của chữ ký không hợp lệ ({why})")
        }
        Code::BadByteRange => format!("Không hợp lệ: phạm vi ký (/ByteRange) không đúng: {why}"),
        Code::Malformed => format!("Không hợp lệ: chữ ký hỏng: {why}"),
        _ => format!("Không hợp lệ: {why}"),
    };
    c.code = code;
    c.verdict = line;
    c.problem = Some(why);
}

/// What is wrong with a path, in words (`at_signing`: the time checked is the signing
/// time, not now).
pub(super) fn certificate_problem(p: &CertProblem, at_signing: bool) -> String {
    let when = if at_signing { " lúc ký" } else { "" };
    match p {
        CertProblem::Untrusted => {
            "chứng thư số không do tổ chức cung cấp dịch vụ chứng thực được tin cậy cấp".into()
        }
        CertProblem::Expired { who, until } => {
            format!(
                "chứng thư số của {who} đã hết hạn{when} (hết hạn {})",
                day(*until)
            )
        }
        CertProblem::NotYetValid { who, from } => format!(
            "chứng thư số của {who} chưa có hiệu lực{when} (hiệu lực từ {})",
            day(*from)
        ),
        CertProblem::NotAnIssuer { who } => {
            format!("{who} không phải tổ chức được phép cấp chứng thư số")
        }
        CertProblem::PathLength { who } => {
            format!("chuỗi chứng thư dài quá giới hạn mà chứng thư của {who} cho phép")
        }
        CertProblem::CriticalExtension { who } => {
            format!("chứng thư số của {who} có phần mở rộng bắt buộc mà phần mềm không hiểu")
        }
        CertProblem::KeyUsage { who, need } => {
            format!("chứng thư số của {who} không dùng để ký được (cần {need})")
        }
        CertProblem::Other(m) => m.clone(),
    }
}

/// A signature whose certificate path does not stand.
pub(super) fn judge_certificate(c: &mut SignatureCheck, p: CertProblem, at_signing: bool) {
    let code = match &p {
        CertProblem::Untrusted => Code::Untrusted,
        CertProblem::Expired { .. } => Code::Expired,
        CertProblem::NotYetValid { .. } => Code::NotYetValid,
        CertProblem::NotAnIssuer { .. } | CertProblem::PathLength { .. } => Code::InvalidIssuer,
        CertProblem::CriticalExtension { .. } => Code::UnknownCriticalExtension,
        CertProblem::KeyUsage { .. } => Code::WrongKeyUsage,
        CertProblem::Other(_) => Code::CertificateInvalid,
    };
    let why = certificate_problem(&p, at_signing);
    c.code = code;
    c.verdict = format!("Không hợp lệ: {why}");
    c.problem = Some(why);
}

/// The verdict of a signature whose path stands, by the revocation found.
pub(super) fn judge_revocation(c: &mut SignatureCheck, status: Status, mode: RevocationMode) {
    match status {
        Status::Good { how } => {
            c.revocation = Revocation::Good(how);
            c.code = Code::Valid;
            c.verdict = "Hợp lệ".into();
        }
        Status::Revoked { who, on } => {
            let why = if who == c.name {
                format!("chứng thư số đã bị thu hồi ngày {}", day(on))
            } else {
                format!("chứng thư số của {who} đã bị thu hồi ngày {}", day(on))
            };
            c.revocation = Revocation::Revoked { who, on: day(on) };
            c.code = Code::Revoked;
            c.verdict = format!("Không hợp lệ: {why}");
            c.problem = Some(why);
        }
        Status::Unknown { who } => {
            c.revocation = Revocation::Unknown { who: who.clone() };
            let why = format!("chưa kiểm tra được tình trạng thu hồi chứng thư số của {who}");
            match mode {
                RevocationMode::Soft => {
                    c.code = Code::ValidRevocationUnchecked;
                    c.verdict = format!("Hợp lệ, nhưng {why}");
                }
                RevocationMode::Hard => {
                    c.code = Code::RevocationUnchecked;
                    c.verdict = format!("Không hợp lệ: {why}");
                    c.problem = Some(why);
                }
            }
        }
    }
}

/// One signature in words: its title, its verdict line, the facts a clerk reads and
/// the technical detail (the CLI, the page and the API show the same).
#[derive(Debug, Clone)]
pub struct Lines {
    /// "Chữ ký 1", "Dấu thời gian tài liệu 1".
    pub title: String,
    pub verdict: String,
    pub facts: Vec<(&'static str, String)>,
    pub details: Vec<(&'static str, String)>,
}

/// The words of every signature of `r`, numbered by kind.
pub fn lines(r: &Report) -> Vec<Lines> {
    let (mut n_sig, mut n_stamp) = (0, 0);
    r.signatures
        .iter()
        .map(|s| {
            let title = match s.kind {
                Kind::Signature => {
                    n_sig += 1;
                    format!("Chữ ký {n_sig}")
                }
                Kind::DocumentTimestamp => {
                    n_stamp += 1;
                    format!("Dấu thời gian tài liệu {n_stamp}")
                }
            };
            Lines {
                title,
                verdict: s.verdict.clone(),
                facts: facts(s),
                details: details(s),
            }
        })
        .collect()
}

/// The headline of a report.
pub fn summary(r: &Report) -> String {
    if r.encrypted {
        return "Tệp có mật khẩu: không mở được để kiểm tra chữ ký số. Hãy đề nghị nơi gửi gửi lại bản không đặt mật khẩu.".into();
    }
    if r.signatures.is_empty() {
        return "Tệp không có chữ ký số nào.".into();
    }
    let stamps = r.signatures.len() - r.signature_count();
    let mut out = format!("Tệp có {} chữ ký số", r.signature_count());
    if stamps > 0 {
        out.push_str(&format!(" và {stamps} dấu thời gian tài liệu"));
    }
    out.push_str(&format!(" ({} byte).", r.size));
    out
}

/// The whole report in Vietnamese.
pub(super) fn text(r: &Report) -> String {
    let mut out = summary(r);
    out.push('\n');
    for l in lines(r) {
        out.push_str(&format!("\n{}: {}.\n", l.title, l.verdict));
        for (label, value) in &l.facts {
            out.push_str(&format!("  {label}: {value}\n"));
        }
        out.push_str("  Chi tiết kỹ thuật:\n");
        for (label, value) in &l.details {
            out.push_str(&format!("    {label}: {value}\n"));
        }
    }
    out
}

fn facts(s: &SignatureCheck) -> Vec<(&'static str, String)> {
    let mut out = vec![];
    let who = match (&s.name, &s.organisation) {
        (n, _) if n.is_empty() => "không rõ".to_string(),
        (n, Some(o)) if o != n => format!("{n} ({o})"),
        (n, _) => n.clone(),
    };
    out.push((
        match s.kind {
            Kind::Signature => "Người ký",
            Kind::DocumentTimestamp => "Nơi cấp dấu thời gian",
        },
        who,
    ));
    match (&s.timestamp, &s.signed_at, s.kind) {
        (Some(t), _, Kind::Signature) => out.push((
            "Thời gian ký",
            format!(
                "{} (theo dấu thời gian của {})",
                moment(t),
                s.timestamp_authority
                    .as_deref()
                    .unwrap_or("nơi cấp dấu thời gian")
            ),
        )),
        (Some(t), _, Kind::DocumentTimestamp) => out.push(("Thời gian", moment(t))),
        (None, Some(m), _) => out.push((
            "Thời gian ký",
            format!(
                "{} (theo máy của người ký, không có dấu thời gian)",
                moment(m)
            ),
        )),
        (None, None, _) => out.push(("Thời gian ký", "không ghi".into())),
    }
    match &s.revocation {
        Revocation::Good(how) if how.is_empty() => {}
        Revocation::Good(how) => out.push((
            "Tình trạng thu hồi",
            format!("đã kiểm tra, không bị thu hồi ({})", how.join("; ")),
        )),
        Revocation::Revoked { who, on } => out.push((
            "Tình trạng thu hồi",
            format!("chứng thư số của {who} bị thu hồi ngày {on}"),
        )),
        Revocation::Unknown { who } => out.push((
            "Tình trạng thu hồi",
            format!(
                "chưa kiểm tra được (không có danh sách thu hồi hay OCSP cho chứng thư của {who})"
            ),
        )),
        Revocation::NotChecked => {}
    }
    let scope = if s.covers_whole_file {
        "toàn bộ tệp".to_string()
    } else if s.covers_revision {
        format!(
            "tệp đến phiên bản đã ký; sau đó {} lần cập nhật ({} chữ ký số hoặc dấu thời gian khác){}",
            s.later_revisions,
            s.later_signatures,
            if s.changes.is_empty() {
                ", chỉ thêm chữ ký, dấu thời gian hoặc dữ liệu kiểm tra"
            } else {
                ""
            }
        )
    } else {
        "KHÔNG trọn một phiên bản của tệp".to_string()
    };
    out.push(("Phạm vi", scope));
    out
}

fn details(s: &SignatureCheck) -> Vec<(&'static str, String)> {
    let mut out = vec![("Mã kết luận", s.code.as_str().to_string())];
    if !s.field.is_empty() {
        out.push(("Trường", s.field.clone()));
    }
    if !s.level.is_empty() {
        out.push(("Định dạng", format!("{} ({})", s.level, s.sub_filter)));
    }
    if !s.algorithm.is_empty() {
        out.push(("Thuật toán", s.algorithm.clone()));
    }
    if !s.subject.is_empty() {
        out.push(("Chủ thể", s.subject.clone()));
        out.push(("Tổ chức cấp", s.issuer.clone()));
        out.push(("Số hiệu chứng thư", s.serial.clone()));
    }
    if !s.chain.is_empty() {
        out.push(("Chuỗi chứng thư", s.chain.join(" → ")));
    }
    if let Some(at) = &s.validated_at {
        out.push((
            "Chứng thư kiểm tra tại",
            format!("{} (theo {})", moment(at), s.validated_by),
        ));
    }
    out
}

/// A verification report as the API, the page and `vanthu verify --json` show it: per
/// signature, the stable `code`, the Vietnamese `verdict` line, the `facts` a clerk
/// reads and the technical `details`, then the fields they come from.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportView {
    /// The file's size in bytes.
    pub size: usize,
    /// The file needs a password: nothing could be checked.
    pub encrypted: bool,
    /// Every signature is valid (and there is at least one).
    pub all_valid: bool,
    /// One line for the whole file, in Vietnamese.
    pub summary: String,
    pub signatures: Vec<SignatureView>,
    /// The whole report in Vietnamese, as `vanthu verify` prints it.
    pub text: String,
}

/// One signature (or document timestamp) of a [`ReportView`]: its words, then the
/// fields of the check they come from.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignatureView {
    /// "Chữ ký 1", "Dấu thời gian 1".
    pub title: String,
    pub valid: bool,
    /// Signer, time, revocation and coverage, in words.
    pub facts: Vec<Said>,
    /// The technical detail: code, field, level, algorithm, subject, issuer, serial,
    /// chain, validation time.
    pub details: Vec<Said>,
    #[serde(flatten)]
    pub check: SignatureCheck,
}

/// A [`Code`] as its stable name (`valid`, `modified_after_signing`, …).
pub(super) fn code_name<S: serde::Serializer>(code: &Code, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(code.as_str())
}

/// A labelled line of a report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Said {
    pub label: &'static str,
    pub value: String,
}

/// Whether the certificates were revoked, and by whose word.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RevocationView {
    NotChecked,
    Good { sources: Vec<String> },
    Revoked { who: String, on: String },
    Unknown { who: String },
}

impl From<Revocation> for RevocationView {
    fn from(r: Revocation) -> RevocationView {
        match r {
            Revocation::NotChecked => RevocationView::NotChecked,
            Revocation::Good(sources) => RevocationView::Good { sources },
            Revocation::Revoked { who, on } => RevocationView::Revoked { who, on },
            Revocation::Unknown { who } => RevocationView::Unknown { who },
        }
    }
}

/// The [`ReportView`] of a report.
pub(super) fn view(r: &Report) -> ReportView {
    let words = lines(r);
    let said = |v: &[(&'static str, String)]| -> Vec<Said> {
        v.iter()
            .map(|(label, value)| Said {
                label,
                value: value.clone(),
            })
            .collect()
    };
    let signatures = r
        .signatures
        .iter()
        .zip(&words)
        .map(|(s, w)| SignatureView {
            title: w.title.clone(),
            valid: s.valid(),
            facts: said(&w.facts),
            details: said(&w.details),
            check: s.clone(),
        })
        .collect();
    ReportView {
        size: r.size,
        encrypted: r.encrypted,
        all_valid: r.all_valid(),
        summary: summary(r),
        signatures,
        text: r.text(),
    }
}
