//! The register: search, one document with its deliveries, downloads.

use super::*;

pub(super) async fn register_page(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Query(q): Query<api::SearchQuery>,
) -> Response {
    let search = match q.parse() {
        Ok(s) => s,
        Err(e) => return fail(&state, &caller, e),
    };
    let shown = json!({"q": q.q, "year": q.year, "kind": q.kind, "number": q.number});
    match state
        .run(move |store, _| Ok::<_, ApiError>(register::search(store, &search, 100)?))
        .await
    {
        Ok(found) => render(
            &state,
            Some(&caller),
            StatusCode::OK,
            "register.html",
            json!({"documents": found.iter().map(api_entry).collect::<Vec<_>>(), "query": shown}),
        ),
        Err(e) => fail(&state, &caller, e),
    }
}

pub(super) async fn document_page(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Id(id): Id,
) -> Response {
    let result = state
        .run(move |store, _| {
            let e = register::by_id(store, id)?;
            let deliveries: Vec<Value> = crate::mail::outbox::list(store, id)?
                .into_iter()
                .map(|x| api::delivery_json(&x))
                .collect();
            let draft: Option<i64> =
                rusqlite::OptionalExtension::optional(store.conn().query_row(
                    "SELECT id FROM drafts WHERE document_id = ?1",
                    [id],
                    |r| r.get(0),
                ))?;
            let signatures: Vec<Value> = register::signatures(store, id)?
                .iter()
                .map(|s| json!({"role": s.role.label(), "subject": s.subject, "serial": s.serial, "signed_at": s.signed_at}))
                .collect();
            Ok::<_, ApiError>((e, deliveries, draft, signatures))
        })
        .await;
    match result {
        Ok((e, deliveries, draft, signatures)) => render(
            &state,
            Some(&caller),
            StatusCode::OK,
            "document.html",
            json!({"e": api_entry(&e), "deliveries": deliveries, "draft": draft, "signatures": signatures}),
        ),
        Err(e) => fail(&state, &caller, e),
    }
}

pub(super) async fn download(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    axum::extract::Path((id, format)): axum::extract::Path<(String, String)>,
) -> Response {
    let format = match format.as_str() {
        "pdf" => crate::Format::Pdf,
        "docx" => crate::Format::Docx,
        _ => {
            let message = "chỉ có tệp pdf hoặc docx";
            return error_page(&state, Some(&caller), StatusCode::NOT_FOUND, message);
        }
    };
    let Ok(id) = id.parse::<i64>() else {
        let message = "không có văn bản này";
        return error_page(&state, Some(&caller), StatusCode::NOT_FOUND, message);
    };
    let result = state
        .run(move |store, _| api::document_file(store, id, format))
        .await;
    result.unwrap_or_else(|e| fail(&state, &caller, e))
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
        json!({}),
    )
}

/// POST /verify: a multipart form with `csrf` and `file` (a PDF); the page shows every
/// signature of the file.
pub(super) async fn verify_upload(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    mut multipart: Multipart,
) -> Response {
    let mut form = match read_form(&mut multipart).await {
        Ok(f) => f,
        Err((status, error)) => {
            return render(
                &state,
                Some(&caller),
                status,
                "verify.html",
                json!({"error": error}),
            );
        }
    };
    let sent_csrf = form.get("csrf").map(Part::text);
    let file = form.remove("file").map(|p| (p.file_name, p.bytes));
    if let Err(e) = caller.check_csrf(sent_csrf.as_deref()) {
        return fail(&state, &caller, e);
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return render(
            &state,
            Some(&caller),
            StatusCode::UNPROCESSABLE_ENTITY,
            "verify.html",
            json!({"error": "hãy chọn một tệp PDF"}),
        );
    };
    let result = state
        .run(move |_, state| {
            crate::sign::verify::verify(&bytes, state.keyring().trust())
                .map(|r| api::documents::report_json(&r))
                .map_err(|e| {
                    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "not_pdf", e.to_string())
                })
        })
        .await;
    match result {
        Ok(report) => render(
            &state,
            Some(&caller),
            StatusCode::OK,
            "verify.html",
            json!({"report": report, "name": name}),
        ),
        Err(e) => render(
            &state,
            Some(&caller),
            e.status,
            "verify.html",
            json!({"error": e.message}),
        ),
    }
}
