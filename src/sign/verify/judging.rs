//! The second pass of verification, from the last signature to the first: the time
//! that counts for each (its own trusted timestamp, else the earliest trusted document
//! timestamp after it, else now), its certificate path and revocation at that time,
//! and its verdict.

use chrono::{DateTime, Utc};
use openssl::x509::X509;
use x509_cert::der::Encode;

use super::super::cms::Parsed;
use super::super::keys::RevocationMode;
use super::path::{self, CertProblem, Purpose};
use super::reading::{Pending, failure_code};
use super::revocation::{self, Status};
use super::signed;
use super::{Code, Kind, day, words};

/// What the second pass needs.
pub(super) struct Context {
    pub(super) roots: Vec<X509>,
    pub(super) dss_certs: Vec<X509>,
    pub(super) sources: revocation::Sources,
    pub(super) mode: RevocationMode,
    pub(super) now: DateTime<Utc>,
}

impl Context {
    /// The time that counts, the paths and the verdict of one signature; `archive` is
    /// the time of the earliest trusted document timestamp after it.
    pub(super) fn judge(&self, p: &mut Pending, archive: Option<DateTime<Utc>>) {
        if let Some((code, why)) = p.failure.clone() {
            words::judge_failure(&mut p.check, code, why);
            return;
        }
        if !p.check.changes.is_empty() {
            let why = p.check.changes.join("; ");
            words::judge_failure(&mut p.check, Code::ModifiedAfterSigning, why);
            return;
        }
        let stamp_at = archive.unwrap_or(self.now);
        // The signature's own timestamp, if it carries one.
        let mut trusted = None;
        let mut stamp_problem = None;
        if let Some(stamp) = &p.stamp {
            match self.stamp_holds(stamp, stamp_at) {
                Ok(t) => {
                    trusted = Some(t);
                    p.check.timestamp = Some(super::super::vietnam_time(t));
                    p.check.timestamp_authority = stamp.tsa.as_ref().map(|t| path::common_name(t));
                    p.check.timestamp_expires =
                        stamp.tsa.as_ref().map(|t| path::time_of(t.not_after()));
                }
                Err(e) => stamp_problem = Some(e),
            }
        }
        let (at, by) = match (p.check.kind, trusted, archive) {
            (Kind::DocumentTimestamp, _, Some(a)) => (a, "dấu thời gian tài liệu sau nó"),
            (Kind::DocumentTimestamp, _, None) => (self.now, "thời điểm kiểm tra"),
            (_, Some(t), _) => (t, "dấu thời gian của chữ ký"),
            (_, None, Some(a)) => (a, "dấu thời gian tài liệu"),
            (_, None, None) => (self.now, "thời điểm kiểm tra"),
        };
        p.check.validated_at = Some(super::super::vietnam_time(at));
        p.check.validated_by = by;
        let Some(signer) = p.signer.clone() else {
            words::judge_failure(
                &mut p.check,
                Code::Malformed,
                "không có chứng thư số".into(),
            );
            return;
        };
        let mut pool = p.embedded.clone();
        pool.extend(self.dss_certs.iter().cloned());
        let purpose = match p.check.kind {
            Kind::Signature => Purpose::Signature,
            Kind::DocumentTimestamp => Purpose::Timestamp,
        };
        let found = path::validate(&signer, &pool, &self.roots, at, purpose);
        p.check.chain = found.chain.iter().map(|c| path::common_name(c)).collect();
        p.check.trusted = found.chain.last().is_some_and(|last| {
            self.roots
                .iter()
                .any(|r| r.to_der().ok() == last.to_der().ok())
        });
        let claimed = p
            .check
            .signed_at
            .as_deref()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&Utc));
        // The time checked is the signing time when a timestamp gave it.
        let at_signing = trusted.is_some() || archive.is_some();
        if let Some(problem) = found.problem {
            words::judge_certificate(&mut p.check, problem, at_signing);
            return;
        }
        // Without a trusted time, the claimed one must at least fall within the
        // certificate's validity.
        if trusted.is_none()
            && p.check.kind == Kind::Signature
            && let Some(claimed) = claimed
        {
            let (from, until) = (
                path::time_of(signer.not_before()),
                path::time_of(signer.not_after()),
            );
            let who = path::common_name(&signer);
            if claimed > until {
                words::judge_certificate(&mut p.check, CertProblem::Expired { who, until }, true);
                return;
            }
            if claimed < from {
                words::judge_certificate(
                    &mut p.check,
                    CertProblem::NotYetValid { who, from },
                    true,
                );
                return;
            }
        }
        if let Some(e) = stamp_problem {
            words::judge_failure(&mut p.check, Code::InvalidTimestamp, e);
            return;
        }
        let status = self.sources.status(&found.chain, at);
        words::judge_revocation(&mut p.check, status, self.mode);
    }

    /// Whether a signature timestamp holds (its TSA's path validated at `at`): its time.
    fn stamp_holds(&self, stamp: &Stamp, at: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
        if let Some(e) = &stamp.failure {
            return Err(e.clone());
        }
        let (Some(time), Some(tsa)) = (stamp.time, &stamp.tsa) else {
            return Err("dấu thời gian hỏng".into());
        };
        let mut pool = stamp.embedded.clone();
        pool.extend(self.dss_certs.iter().cloned());
        let found = path::validate(tsa, &pool, &self.roots, at, Purpose::Timestamp);
        if let Some(problem) = found.problem {
            return Err(format!(
                "chứng thư của nơi cấp dấu thời gian: {}",
                words::certificate_problem(&problem, false)
            ));
        }
        if let Status::Revoked { who, on } = self.sources.status(&found.chain, at) {
            return Err(format!(
                "chứng thư của nơi cấp dấu thời gian ({who}) đã bị thu hồi ngày {}",
                day(on)
            ));
        }
        Ok(time)
    }
}

/// The signature-time-stamp-token of a signer info, checked against its signature value.
pub(super) fn signature_stamp(info: &cms::signed_data::SignerInfo) -> Option<Stamp> {
    let attr = info
        .unsigned_attrs
        .iter()
        .flat_map(|a| a.iter())
        .find(|a| a.oid == super::super::cms::ID_SIGNATURE_TIME_STAMP_TOKEN)?;
    let token = attr.values.iter().next()?.to_der().ok()?;
    let parsed = match Parsed::from_der(&token) {
        Ok(p) => p,
        Err(e) => {
            return Some(Stamp {
                time: None,
                tsa: None,
                embedded: vec![],
                failure: Some(format!("dấu thời gian hỏng: {e}")),
            });
        }
    };
    Some(check_token(&parsed, &[info.signature.as_bytes()]))
}

/// Checks a timestamp token: its signature over its TSTInfo, and that it stamps the
/// digest of `stamped` (in the algorithm the token names).
pub(super) fn check_token(parsed: &Parsed, stamped: &[&[u8]]) -> Stamp {
    let mut stamp = Stamp {
        time: None,
        tsa: None,
        embedded: vec![],
        failure: None,
    };
    let info = match super::super::tsa::tst_info(parsed) {
        Ok(i) => i,
        Err(e) => {
            stamp.failure = Some(e);
            return stamp;
        }
    };
    stamp.time = DateTime::from_timestamp(info.time, 0);
    let checked = signed::check(parsed, &[&info.der]);
    stamp.tsa = checked.signer.map(|(x, _)| x);
    stamp.embedded = checked.embedded;
    if let Some(f) = checked.failure {
        stamp.failure = Some(format!("dấu thời gian: {}", failure_code(f).1));
        return stamp;
    }
    match signed::digest_of(&info.imprint_algorithm) {
        Ok((md, _)) if signed::hash(md, stamped) == info.imprint => {}
        Ok(_) => {
            stamp.failure = Some(
                "dấu thời gian không đóng cho nội dung này (mã băm khác): tệp đã bị sửa".into(),
            )
        }
        Err(f) => stamp.failure = Some(failure_code(f).1),
    }
    stamp
}

/// A timestamp token read and checked cryptographically.
pub(super) struct Stamp {
    pub time: Option<DateTime<Utc>>,
    pub tsa: Option<X509>,
    pub embedded: Vec<X509>,
    pub failure: Option<String>,
}
