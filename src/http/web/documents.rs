//! The register: search, one document with its deliveries, downloads.

use super::*;

/// The register's search as typed, shown again in its form.
#[derive(Serialize)]
struct RegisterQuery {
    q: Option<String>,
    year: Option<String>,
    kind: Option<String>,
    number: Option<String>,
}

#[derive(Serialize)]
struct RegisterPage {
    documents: Vec<EntryLine>,
    query: RegisterQuery,
    keepers: Vec<crate::books::KeptRegister>,
    this_year: String,
}

pub(super) async fn register_page(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Query(q): Query<api::SearchQuery>,
) -> WebResult {
    let search = q.parse().or_page(&state, &caller)?;
    let shown = RegisterQuery {
        q: q.q.clone(),
        year: q.year.clone(),
        kind: q.kind.clone(),
        number: q.number.clone(),
    };
    let user = caller.user.clone();
    let (found, keepers) = state
        .run(move |store, _| {
            let found = crate::service::documents::search(store, &user, search, 100)?;
            Ok::<_, ApiError>((found, crate::service::documents::registers(store, &user)?))
        })
        .await
        .or_page(&state, &caller)?;
    Ok(render(
        &state,
        Some(&caller),
        StatusCode::OK,
        "register.html",
        RegisterPage {
            documents: found.into_iter().map(EntryLine::from).collect(),
            query: shown,
            keepers,
            this_year: register::today_vn().format("%Y").to_string(),
        },
    ))
}

/// GET /register/book?issuer=&year=&format=pdf|xlsx: the "In sổ" button's file.
pub(super) async fn register_book(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Query(q): Query<api::books::BookQuery>,
) -> WebResult {
    let user = caller.user.clone();
    let result = state
        .run(move |store, state| api::books::book_response(store, &user, state.renderer(), &q))
        .await;
    result.or_page(&state, &caller)
}

/// POST /documents/{id}/note: the clerk's note on the document's row of the book.
pub(super) async fn save_note(
    State(state): State<AppState>,
    Id(id): Id,
    Posted { caller, mut form }: Posted,
) -> Response {
    let input = crate::books::notes::NoteInput {
        archive: form.remove("archive"),
        copies: form.remove("copies"),
        sent_on: form.remove("sent_on"),
        note: form.remove("note"),
    };
    let user = caller.user.clone();
    let result = state
        .run(move |store, _| {
            Ok::<_, ApiError>(crate::service::books::save_note(store, &user, id, &input)?)
        })
        .await;
    match result {
        Ok(_) => {
            document_view(
                &state,
                &caller,
                id,
                StatusCode::OK,
                DocumentSaid {
                    note_done: Some("Đã ghi vào sổ.".into()),
                    ..DocumentSaid::default()
                },
            )
            .await
        }
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let extra = DocumentSaid {
                note_errors: BTreeMap::from([(e.field.unwrap_or_default(), e.message)]),
                note_form: Some(form),
                ..DocumentSaid::default()
            };
            document_view(&state, &caller, id, e.status, extra).await
        }
        Err(e) => fail(&state, &caller, e),
    }
}

pub(super) async fn document_page(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Id(id): Id,
) -> Response {
    let nothing = DocumentSaid::default();
    document_view(&state, &caller, id, StatusCode::OK, nothing).await
}

/// What the document page says after its note or paper-copy form was posted (what is
/// empty is left out of the context).
#[derive(Default, Serialize)]
struct DocumentSaid {
    #[serde(skip_serializing_if = "Option::is_none")]
    note_done: Option<String>,
    /// Field → problem, next to the note form's fields.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    note_errors: BTreeMap<String, String>,
    /// The note form as typed.
    #[serde(skip_serializing_if = "Option::is_none")]
    note_form: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    paper_done: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    paper_error: Option<String>,
}

/// A signature of the document, with its signer's names read from the certificate.
#[derive(Serialize)]
struct SignatureLine {
    role: &'static str,
    subject: String,
    serial: String,
    name: String,
    organisation: Option<String>,
    signed_at: String,
}

/// The clerk's note on the document's row of the book, as its form shows it.
#[derive(Serialize)]
struct NoteForm {
    archive: String,
    copies: String,
    sent_on: String,
    note: String,
}

#[derive(Serialize)]
struct DocumentPage {
    refresh: Option<u32>,
    e: EntryLine,
    deliveries: Vec<crate::http::views::DeliveryView>,
    draft: Option<i64>,
    signatures: Vec<SignatureLine>,
    row: crate::books::OutgoingRow,
    note: NoteForm,
    paper: Vec<crate::books::paper::PaperCopy>,
    today: String,
    #[serde(flatten)]
    said: DocumentSaid,
}

/// The document page, saying `said` (messages, the note form as typed).
async fn document_view(
    state: &AppState,
    caller: &Caller,
    id: i64,
    status: StatusCode,
    said: DocumentSaid,
) -> Response {
    let user = caller.user.clone();
    let result = state
        .run(move |store, _| {
            let sheet = crate::service::books::sheet(store, &user, id)?;
            let deliveries: Vec<crate::http::views::DeliveryView> =
                sheet.deliveries.iter().map(Into::into).collect();
            let signatures: Vec<SignatureLine> = sheet
                .signatures
                .iter()
                .map(|s| {
                    let (name, organisation) = crate::sign::dn_names(&s.subject);
                    SignatureLine {
                        role: s.role.label(),
                        subject: s.subject.clone(),
                        serial: s.serial.clone(),
                        name: name.unwrap_or_else(|| s.subject.clone()),
                        organisation,
                        signed_at: crate::vietnam_clock(&s.signed_at),
                    }
                })
                .collect();
            let note = sheet.note;
            let note = NoteForm {
                archive: note.archive.unwrap_or_default(),
                copies: note.copies.map(|c| c.to_string()).unwrap_or_default(),
                sent_on: note.sent_on.map(|d| d.to_string()).unwrap_or_default(),
                note: note.note.unwrap_or_default(),
            };
            Ok::<_, ApiError>((
                sheet.entry,
                deliveries,
                sheet.draft,
                signatures,
                (sheet.row, note, sheet.paper),
            ))
        })
        .await;
    match result {
        Ok((e, deliveries, draft, signatures, (row, note, paper))) => {
            // While messages are on their way the page reloads itself (no script).
            let pending = deliveries
                .iter()
                .any(|x| x.status == "queued" || x.status == "sending");
            render(
                state,
                Some(caller),
                status,
                "document.html",
                DocumentPage {
                    refresh: pending.then_some(3),
                    e: e.into(),
                    deliveries,
                    draft,
                    signatures,
                    row,
                    note,
                    paper,
                    today: register::today_vn().to_string(),
                    said,
                },
            )
        }
        Err(e) => fail(state, caller, e),
    }
}

pub(super) async fn download(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    axum::extract::Path((id, format)): axum::extract::Path<(String, String)>,
) -> WebResult {
    let format = match format.as_str() {
        "pdf" => crate::Format::Pdf,
        "docx" => crate::Format::Docx,
        _ => {
            let message = "chỉ có tệp pdf hoặc docx";
            return Err(error_page(&state, Some(&caller), StatusCode::NOT_FOUND, message).into());
        }
    };
    let Ok(id) = id.parse::<i64>() else {
        let message = "không có văn bản này";
        return Err(error_page(&state, Some(&caller), StatusCode::NOT_FOUND, message).into());
    };
    let user = caller.user.clone();
    let result = state
        .run(move |store, _| api::document_file(store, &user, id, format))
        .await;
    result.or_page(&state, &caller)
}

/// GET /verify: the "Kiểm tra chữ ký số" page.
pub(super) async fn verify_page(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
) -> Response {
    render(
        &state,
        Some(&caller),
        StatusCode::OK,
        "verify.html",
        Said::default(),
    )
}

/// The verify page with a file's report.
#[derive(Serialize)]
struct VerifyPage {
    report: crate::sign::verify::ReportView,
    /// The file's name.
    name: String,
}

/// POST /verify: a multipart form with `csrf` and `file` (a PDF); the page shows every
/// signature of the file.
pub(super) async fn verify_upload(
    State(state): State<AppState>,
    Uploaded { caller, parts }: Uploaded,
) -> Response {
    let mut form = match parts {
        Ok(f) => f,
        Err((status, error)) => {
            return render(
                &state,
                Some(&caller),
                status,
                "verify.html",
                Said::error(error),
            );
        }
    };
    let file = form.remove("file").map(|p| (p.file_name, p.bytes));
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return render(
            &state,
            Some(&caller),
            StatusCode::UNPROCESSABLE_ENTITY,
            "verify.html",
            Said::error("hãy chọn một tệp PDF"),
        );
    };
    let result = state
        .run(move |_, state| {
            crate::service::signatures::check_upload(
                state.renderer(),
                state.keyring().trust(),
                &bytes,
            )
            .map(|r| r.view())
            .map_err(ApiError::from)
        })
        .await;
    match result {
        Ok(report) => render(
            &state,
            Some(&caller),
            StatusCode::OK,
            "verify.html",
            VerifyPage { report, name },
        ),
        Err(e) => render(
            &state,
            Some(&caller),
            e.status,
            "verify.html",
            Said::error(e.message),
        ),
    }
}

/// GET /register/postal?issuer=&year=: the postal dispatch book.
pub(super) async fn register_postal(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Query(q): Query<api::books::BookQuery>,
) -> WebResult {
    let user = caller.user.clone();
    let result = state
        .run(move |store, state| api::books::postal_response(store, &user, state.renderer(), &q))
        .await;
    result.or_page(&state, &caller)
}

/// GET /documents/{id}/envelopes: the envelopes of the paper copies.
pub(super) async fn envelopes(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Id(id): Id,
) -> WebResult {
    let user = caller.user.clone();
    let result = state
        .run(move |store, state| api::books::envelopes_response(store, &user, state.renderer(), id))
        .await;
    result.or_page(&state, &caller)
}

/// POST /documents/{id}/paper: the clerk records that one paper copy left.
pub(super) async fn record_paper(
    State(state): State<AppState>,
    Id(id): Id,
    Posted { caller, mut form }: Posted,
) -> Response {
    let input = crate::service::books::PaperInput {
        recipient: form.remove("recipient").unwrap_or_default(),
        sent_on: form.remove("sent_on").unwrap_or_default(),
        envelopes: form.remove("envelopes"),
    };
    let user = caller.user.clone();
    let result = state
        .run(move |store, _| {
            Ok::<_, ApiError>(crate::service::books::record_paper(
                store, &user, id, &input,
            )?)
        })
        .await;
    match result {
        Ok(c) => {
            let done = format!(
                "Đã ghi: bản giấy gửi {} chuyển ngày {}.",
                c.recipient,
                c.sent_on.unwrap_or_default()
            );
            document_view(
                &state,
                &caller,
                id,
                StatusCode::OK,
                DocumentSaid {
                    paper_done: Some(done),
                    ..DocumentSaid::default()
                },
            )
            .await
        }
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            document_view(
                &state,
                &caller,
                id,
                e.status,
                DocumentSaid {
                    paper_error: Some(e.message),
                    ..DocumentSaid::default()
                },
            )
            .await
        }
        Err(e) => fail(&state, &caller, e),
    }
}
