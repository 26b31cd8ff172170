//! API errors: a stable code, a Vietnamese message, and the path of the field at fault.
//!
//! ```json
//! {"error": {"code": "invalid_fields", "message": "…", "field": "fields.milestone",
//!            "fields": [{"field": "fields.milestone", "message": "…"}]}}
//! ```
//! Bad input is 4xx; only a broken database or a crashed task is 5xx.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::service::accounts::AccountError;
use crate::service::drafts::DraftError;
use crate::sign::SignError;
use crate::store::StoreError;
use crate::store::register::RegisterError;

/// One field's problem, with its JSON path.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// An error answered by the API.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    pub fields: Vec<FieldProblem>,
    /// Seconds after which to try again (a `Retry-After` header), for 503.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            fields: vec![],
            retry_after: None,
        }
    }

    pub fn at(mut self, field: impl Into<String>) -> ApiError {
        self.field = Some(field.into());
        self
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn unauthenticated() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "hãy đăng nhập hoặc gửi mã API (Authorization: Bearer …)",
        )
    }
}

/// The body of every error answer: `{"error": {code, message, field, fields}}`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody<'a> {
    pub error: ErrorDetail<'a>,
}

/// An error's stable code, its Vietnamese message and where it is.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail<'a> {
    /// A stable code for programs, e.g. `invalid_fields`, `not_found`.
    #[schema(example = "invalid_fields")]
    pub code: &'a str,
    /// What went wrong and what to do, in Vietnamese.
    pub message: &'a str,
    /// The JSON path of the field at fault, when one is.
    #[schema(example = "fields.milestone")]
    pub field: Option<&'a str>,
    /// Every field at fault, when several are.
    pub fields: &'a [FieldProblem],
}

/// The OpenAPI response every error status refers to.
#[derive(utoipa::ToResponse)]
#[response(description = "An error: stable code, Vietnamese message, field path")]
pub struct Problem<'a>(#[to_schema] pub ErrorBody<'a>);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (code, message, field, fields) = (
            self.code,
            &self.message,
            self.field.as_deref(),
            &self.fields[..],
        );
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message,
                field,
                fields,
            },
        };
        if self.status.is_server_error() {
            tracing::error!(code = self.code, message = %self.message, "request failed");
        }
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::unavailable(e.to_string())
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        ApiError::internal(format!("cơ sở dữ liệu: {e}"))
    }
}

impl From<crate::service::images::UploadError> for ApiError {
    fn from(e: crate::service::images::UploadError) -> Self {
        use crate::service::images::UploadError;
        use crate::store::images::ImagesError;
        match e {
            UploadError::Denied(d) => d.into(),
            UploadError::Store(ImagesError::NoPerson(_) | ImagesError::NoAgency(_)) => {
                ApiError::not_found(e.to_string())
            }
            UploadError::Image(_) | UploadError::Store(ImagesError::Image(_)) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_image",
                e.to_string(),
            ),
            UploadError::Store(ImagesError::Store(s)) => s.into(),
            UploadError::Sqlite(s) => s.into(),
        }
    }
}

impl From<RegisterError> for ApiError {
    fn from(e: RegisterError) -> Self {
        match e {
            RegisterError::NotFound(..)
            | RegisterError::NoSuchDocument(_)
            | RegisterError::NoDocx(_) => ApiError::not_found(e.to_string()),
            RegisterError::Store(s) => s.into(),
            RegisterError::Render(r) => r.into(),
            RegisterError::Sign(SignError::WrongPin { .. } | SignError::PinLocked { .. }) => {
                ApiError::new(StatusCode::FORBIDDEN, "wrong_pin", e.to_string())
            }
            RegisterError::Sign(SignError::NoPin(_)) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "pin_required",
                e.to_string(),
            ),
            RegisterError::Sign(SignError::Refused { .. } | SignError::Timeout { .. }) => {
                ApiError::new(StatusCode::CONFLICT, "not_confirmed", e.to_string())
            }
            RegisterError::Sign(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "signing", e.to_string())
            }
            RegisterError::Contended(_) => {
                ApiError::new(StatusCode::CONFLICT, "register_busy", e.to_string())
            }
            e => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "register", e.to_string()),
        }
    }
}

impl From<crate::books::BookError> for ApiError {
    fn from(e: crate::books::BookError) -> Self {
        use crate::books::BookError;
        match e {
            BookError::UnknownIssuer(_) | BookError::NoSuchDocument(_) => {
                ApiError::not_found(e.to_string())
            }
            BookError::BadYear(_) => {
                ApiError::new(StatusCode::BAD_REQUEST, "invalid_field", e.to_string()).at("year")
            }
            BookError::Invalid { field, message } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", message).at(field)
            }
            BookError::Render(r) => r.into(),
            BookError::Register(r) => r.into(),
            BookError::Sqlite(s) => s.into(),
            BookError::Xlsx(_) => ApiError::internal(e.to_string()),
        }
    }
}

impl From<crate::service::access::Denial> for ApiError {
    fn from(d: crate::service::access::Denial) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, d.code(), d.to_string())
    }
}

impl From<crate::service::books::NoteError> for ApiError {
    fn from(e: crate::service::books::NoteError) -> Self {
        match e {
            crate::service::books::NoteError::Denied(d) => d.into(),
            crate::service::books::NoteError::Read(r) => r.into(),
            crate::service::books::NoteError::Book(b) => b.into(),
        }
    }
}

impl From<crate::service::documents::ReadError> for ApiError {
    fn from(e: crate::service::documents::ReadError) -> Self {
        use crate::service::documents::ReadError;
        match e {
            ReadError::Denied(d) => d.into(),
            ReadError::Register(r) => r.into(),
            ReadError::Sqlite(s) => s.into(),
        }
    }
}

impl From<crate::service::ProgrammeError> for ApiError {
    fn from(e: crate::service::ProgrammeError) -> Self {
        use crate::service::ProgrammeError;
        match e {
            ProgrammeError::Denied(d) => d.into(),
            ProgrammeError::Remind(r) => r.into(),
            ProgrammeError::Sqlite(s) => s.into(),
        }
    }
}

impl From<crate::service::signatures::CheckError> for ApiError {
    fn from(e: crate::service::signatures::CheckError) -> Self {
        use crate::service::signatures::CheckError;
        use crate::sign::verify::VerifyError;
        match e {
            CheckError::Busy(r) => r.into(),
            CheckError::Verify(VerifyError::NotPdf(_)) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "not_pdf", e.to_string())
            }
            CheckError::Verify(VerifyError::TooManyRevisions(_)) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "too_many_revisions",
                e.to_string(),
            ),
            CheckError::Verify(VerifyError::TooManySignatures(_)) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "too_many_signatures",
                e.to_string(),
            ),
            CheckError::Verify(VerifyError::Deadline(_)) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "too_slow", e.to_string())
            }
        }
    }
}

impl From<crate::service::identity::BadLogin> for ApiError {
    fn from(e: crate::service::identity::BadLogin) -> Self {
        AccountError::from(e).into()
    }
}

impl From<crate::service::identity::BadRole> for ApiError {
    fn from(e: crate::service::identity::BadRole) -> Self {
        AccountError::from(e).into()
    }
}

impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> Self {
        let unprocessable = |field: &str| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                e.to_string(),
            )
            .at(field)
        };
        match e {
            AccountError::BadLogin(_) => unprocessable("login"),
            AccountError::WeakPassword(_) => unprocessable("password"),
            AccountError::Mismatch => unprocessable("password_again"),
            AccountError::SamePassword => unprocessable("password"),
            AccountError::WrongOldPassword => {
                ApiError::new(StatusCode::FORBIDDEN, "wrong_password", e.to_string())
                    .at("old_password")
            }
            AccountError::Disabled => {
                ApiError::new(StatusCode::FORBIDDEN, "disabled", e.to_string())
            }
            AccountError::UnknownAgency(_)
            | AccountError::ServiceNotAdmin
            | AccountError::NoAgency
            | AccountError::ServiceWithAgency => unprocessable("agency"),
            AccountError::UnknownPerson(_)
            | AccountError::PersonOfAnotherAgency { .. }
            | AccountError::SignerWithoutPerson
            | AccountError::PersonForNonSigner => unprocessable("person"),
            AccountError::PersonTaken(_) => {
                ApiError::new(StatusCode::CONFLICT, "person_taken", e.to_string()).at("person")
            }
            AccountError::SelfDisable => {
                ApiError::new(StatusCode::CONFLICT, "self_disable", e.to_string())
            }
            AccountError::UnknownToken(_) => ApiError::not_found(e.to_string()),
            AccountError::SecondFactorForSigners => {
                ApiError::new(StatusCode::FORBIDDEN, "forbidden", e.to_string())
            }
            AccountError::BadSecondFactor => unprocessable("secret"),
            AccountError::CodeRequired | AccountError::WrongCode | AccountError::CodeUsed => {
                ApiError::new(StatusCode::FORBIDDEN, "wrong_code", e.to_string()).at("code")
            }
            AccountError::Denied(d) => d.clone().into(),
            AccountError::BadRole(_) => unprocessable("role"),
            AccountError::EmptyName | AccountError::BadName(_) => unprocessable("name"),
            AccountError::Taken(_) => {
                ApiError::new(StatusCode::CONFLICT, "login_taken", e.to_string()).at("login")
            }
            AccountError::Invalid => {
                ApiError::new(StatusCode::UNAUTHORIZED, "bad_credentials", e.to_string())
            }
            AccountError::TooManyAttempts(_) | AccountError::TooManyFromAddress(_) => {
                ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_attempts",
                    e.to_string(),
                )
            }
            AccountError::Busy => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "busy", e.to_string())
            }
            AccountError::BadLabel(_) => unprocessable("label"),
            AccountError::UnknownUser(_) => ApiError::not_found(e.to_string()),
            AccountError::Sqlite(e) => e.into(),
            AccountError::Hash(m) => ApiError::internal(m),
        }
    }
}

impl From<DraftError> for ApiError {
    fn from(e: DraftError) -> Self {
        let status = |s: StatusCode, code: &'static str| ApiError::new(s, code, e.to_string());
        match &e {
            DraftError::Denied(d) => d.clone().into(),
            DraftError::SecondFactor(_) => status(StatusCode::FORBIDDEN, "wrong_code").at("code"),
            DraftError::ConsentNotValid(_) => status(StatusCode::CONFLICT, "consent_not_valid"),
            DraftError::ChangedSinceApproval { .. } => {
                status(StatusCode::CONFLICT, "changed_since_approval")
            }
            DraftError::SeenChanged(_) => status(StatusCode::CONFLICT, "seen_changed").at("seen"),
            DraftError::NotAuthor => status(StatusCode::FORBIDDEN, "not_author"),
            DraftError::UnknownTemplate(_) => {
                status(StatusCode::UNPROCESSABLE_ENTITY, "unknown_template").at("template")
            }
            DraftError::Invalid(problems) => {
                let fields: Vec<FieldProblem> = problems
                    .iter()
                    .map(|p| FieldProblem {
                        field: format!("fields.{}", p.field),
                        message: p.message.clone(),
                    })
                    .collect();
                let mut err = ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_fields",
                    problems
                        .iter()
                        .map(|p| {
                            if p.field.is_empty() {
                                p.message.clone()
                            } else {
                                format!("{}: {}", p.field, p.message)
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                );
                err.field = fields.first().map(|f| f.field.clone());
                err.fields = fields;
                err
            }
            DraftError::NotFound(_) | DraftError::NoSavedTemplate(_) => {
                status(StatusCode::NOT_FOUND, "not_found")
            }
            DraftError::NotComposed | DraftError::KeepsTemplate => {
                status(StatusCode::CONFLICT, "wrong_template")
            }
            DraftError::WrongState { .. } => status(StatusCode::CONFLICT, "wrong_state"),
            DraftError::CommentRequired => {
                status(StatusCode::UNPROCESSABLE_ENTITY, "comment_required").at("comment")
            }
            DraftError::NothingCertified => {
                status(StatusCode::UNPROCESSABLE_ENTITY, "nothing_certified")
            }
            DraftError::AlreadyAdopted(_) => status(StatusCode::CONFLICT, "wrong_state"),
            DraftError::WrongPassword => {
                status(StatusCode::FORBIDDEN, "wrong_password").at("password")
            }
            DraftError::SignatureRequired(_) => status(StatusCode::CONFLICT, "signature_required"),
            DraftError::NotConfirmed(_) => {
                status(StatusCode::UNPROCESSABLE_ENTITY, "not_confirmed").at("confirm")
            }
            DraftError::NotAMilestoneReminder(_) => {
                status(StatusCode::UNPROCESSABLE_ENTITY, "not_a_milestone_reminder")
            }
            DraftError::Remind(_) => {
                let DraftError::Remind(r) = e else {
                    unreachable!()
                };
                r.into()
            }
            DraftError::Compose(crate::ocop::OcopError::Sqlite(_)) | DraftError::Sqlite(_) => {
                ApiError::internal(e.to_string())
            }
            DraftError::Compose(_) => status(StatusCode::UNPROCESSABLE_ENTITY, "compose_failed"),
            DraftError::Render(_) => {
                let DraftError::Render(r) = e else {
                    unreachable!()
                };
                r.into()
            }
            DraftError::Mail(crate::mail::MailError::Sqlite(_)) => {
                ApiError::internal(e.to_string())
            }
            DraftError::Mail(crate::mail::MailError::Secret(..)) => {
                status(StatusCode::CONFLICT, "secret_document")
            }
            DraftError::Mail(_) => status(StatusCode::UNPROCESSABLE_ENTITY, "mail"),
            DraftError::Register(_) => {
                let DraftError::Register(r) = e else {
                    unreachable!()
                };
                r.into()
            }
        }
    }
}

impl From<crate::remind::RemindError> for ApiError {
    fn from(e: crate::remind::RemindError) -> Self {
        use crate::remind::RemindError;
        match e {
            RemindError::Sqlite(e) => e.into(),
            RemindError::Register(r) => r.into(),
            RemindError::UnknownMilestone(_) | RemindError::UnknownDraft(_) => {
                ApiError::not_found(e.to_string())
            }
            RemindError::NotResponsible(..) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                e.to_string(),
            )
            .at("agency"),
            RemindError::AlreadyIssued(_) => {
                ApiError::new(StatusCode::CONFLICT, "wrong_state", e.to_string())
            }
            e => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "remind", e.to_string()),
        }
    }
}

impl From<crate::letter::LetterError> for ApiError {
    fn from(e: crate::letter::LetterError) -> Self {
        let mut err = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "letter_invalid",
            e.to_string(),
        );
        err.fields = e
            .problems
            .iter()
            .map(|p| FieldProblem {
                field: p.field.clone(),
                message: p.message.clone(),
            })
            .collect();
        err.field = err.fields.first().map(|f| f.field.clone());
        err
    }
}

impl From<crate::render::RenderError> for ApiError {
    fn from(e: crate::render::RenderError) -> Self {
        match e {
            crate::render::RenderError::Busy { retry_after } => {
                let mut err = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", e.to_string());
                err.retry_after = Some(retry_after);
                err
            }
            crate::render::RenderError::TooManyPages { .. }
            | crate::render::RenderError::TooLarge { .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "too_large", e.to_string())
            }
            crate::render::RenderError::Glyphs(_) | crate::render::RenderError::LongString => {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "unprintable",
                    e.to_string(),
                )
            }
            _ => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "render_failed",
                e.to_string(),
            ),
        }
    }
}

impl From<crate::copies::CopyError> for ApiError {
    fn from(e: crate::copies::CopyError) -> Self {
        use crate::copies::CopyError as C;
        let status = |s: StatusCode, code: &'static str| ApiError::new(s, code, e.to_string());
        match &e {
            C::InvalidOriginal(..) | C::NotAnOriginal(_) => {
                status(StatusCode::CONFLICT, "not_an_original")
            }
            C::NoRecipients | C::UnknownRecipients(_) => {
                status(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").at("to")
            }
            C::Unreadable(..) => status(StatusCode::UNPROCESSABLE_ENTITY, "not_pdf"),
            C::Store(_) => ApiError::internal(e.to_string()),
            C::Incoming(_) | C::Register(_) => match e {
                C::Incoming(i) => crate::service::incoming::InboxError::Incoming(i).into(),
                C::Register(r) => r.into(),
                _ => unreachable!(),
            },
        }
    }
}

impl From<crate::service::incoming::InboxError> for ApiError {
    fn from(e: crate::service::incoming::InboxError) -> Self {
        use crate::incoming::IncomingError as E;
        use crate::service::incoming::InboxError;
        let e = match e {
            InboxError::Denied(d) => return d.into(),
            InboxError::Busy(r) => return r.into(),
            InboxError::Copy(c) => return c.into(),
            InboxError::Mail(m @ crate::mail::MailError::Sqlite(_)) => {
                return ApiError::internal(m.to_string());
            }
            InboxError::Mail(m) => {
                return ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "mail", m.to_string());
            }
            InboxError::Incoming(e) => e,
        };
        let status = |s: StatusCode, code: &'static str| ApiError::new(s, code, e.to_string());
        match &e {
            E::NotFound { .. } => ApiError::not_found(e.to_string()),
            E::UnknownAgency(_) => status(StatusCode::UNPROCESSABLE_ENTITY, "unknown_agency"),
            E::Empty { .. } | E::NotPdf { .. } | E::Unreadable { .. } => {
                status(StatusCode::UNPROCESSABLE_ENTITY, "not_pdf")
            }
            E::TooLarge { .. } => status(StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            E::UnknownAccount { .. } => {
                status(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").at("account")
            }
            E::UnknownMilestone(_) => {
                status(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").at("milestone")
            }
            E::AuthorUnknown(_) | E::NotOwed { .. } | E::NotLinked { .. } => {
                status(StatusCode::UNPROCESSABLE_ENTITY, "not_a_report")
            }
            E::AlreadyReported { .. } => status(StatusCode::CONFLICT, "already_reported"),
            E::Invalid { field, .. } => {
                status(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").at(*field)
            }
            E::Book(_) => match e {
                E::Book(b) => b.into(),
                _ => unreachable!(),
            },
            E::Store(_) => ApiError::internal(e.to_string()),
        }
    }
}
