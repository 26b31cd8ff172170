//! A draft's form composed into its document, one branch per template: the OCOP
//! templates through [`crate::ocop`] (from the programme data), the free composer
//! through [`crate::service::compose`].

use chrono::NaiveDate;

use super::DraftError;
use crate::ocop::{self, Composed};
use crate::service::forms::{FieldError, Values};
use crate::store::Store;
use crate::store::register;

/// What composing a draft gives: the document, and for a decision the evaluated
/// products whose certificates issuing it records.
pub(crate) struct Composition {
    pub(crate) composed: Composed,
    pub(super) date: NaiveDate,
    pub(super) decision: Option<(String, Vec<ocop::Evaluated>)>,
}

/// The document the form values `v` of `template` make now, from the live data.
pub(crate) fn compose_values(
    store: &Store,
    template: &str,
    v: &Values,
) -> Result<Composition, DraftError> {
    let date = v.date("date").unwrap_or_else(register::today_vn);
    match template {
        "reminder" => Ok(Composition {
            composed: ocop::reminder(
                store,
                &ocop::ReminderRequest {
                    milestone: v.get("milestone").unwrap_or_default(),
                    date,
                    issuer: v.get("issuer"),
                    signer: v.get("signer"),
                },
            )?,
            date,
            decision: None,
        }),
        "plan" => Ok(Composition {
            composed: ocop::plan(
                store,
                v.get("programme").unwrap_or_default(),
                date,
                v.get("signer"),
            )?,
            date,
            decision: None,
        }),
        "decision" => {
            let issuer = v.get("issuer").unwrap_or_default();
            let d = ocop::decide(
                store,
                &ocop::DecisionRequest {
                    round: v.get("round").unwrap_or_default(),
                    issuer,
                    date,
                    signer: v.get("signer"),
                },
            )?;
            Ok(Composition {
                composed: d.decision.ok_or(DraftError::NothingCertified)?,
                date,
                decision: Some((issuer.to_string(), d.evaluated)),
            })
        }
        "transfer" => {
            let issuer = v.get("issuer").unwrap_or_default();
            let d = ocop::decide(
                store,
                &ocop::DecisionRequest {
                    round: v.get("round").unwrap_or_default(),
                    issuer,
                    date,
                    signer: v.get("signer"),
                },
            )?;
            Ok(Composition {
                composed: d.transfer.ok_or_else(|| {
                    invalid(
                        "round",
                        "đợt đánh giá không có sản phẩm nào vượt thẩm quyền công nhận của cơ quan: không cần chuyển hồ sơ",
                    )
                })?,
                date,
                decision: None,
            })
        }
        "expiry-notice" | "withdrawal" => {
            let window = match v.get("within") {
                None => ocop::Window::Months(6),
                Some(w) => ocop::Window::parse(w).map_err(|e| invalid("within", e))?,
            };
            let issuer = v.get("issuer").unwrap_or_default();
            let found = ocop::expiring(store, issuer, date, window, v.get("signer"))?;
            let (composed, none) = if template == "withdrawal" {
                (
                    found.withdrawal,
                    "không có giấy chứng nhận nào đã hết hạn mà chưa đăng ký đánh giá lại trong địa bàn: không cần thu hồi",
                )
            } else {
                (
                    found.notice,
                    "không có giấy chứng nhận nào hết hạn trong khoảng đã chọn trong địa bàn: không cần thông báo",
                )
            };
            let field = if template == "withdrawal" {
                "issuer"
            } else {
                "within"
            };
            Ok(Composition {
                composed: composed.ok_or_else(|| invalid(field, none))?,
                date,
                decision: None,
            })
        }
        crate::service::compose::TEMPLATE => Ok(Composition {
            composed: crate::service::compose::compose(store, v)?,
            date,
            decision: None,
        }),
        other => Err(DraftError::UnknownTemplate(other.to_string())),
    }
}

/// A problem of one form field.
fn invalid(field: &str, message: impl Into<String>) -> DraftError {
    DraftError::Invalid(vec![FieldError {
        field: field.to_string(),
        message: message.into(),
    }])
}
