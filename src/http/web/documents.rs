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
            Ok::<_, ApiError>((e, deliveries, draft))
        })
        .await;
    match result {
        Ok((e, deliveries, draft)) => render(
            &state,
            Some(&caller),
            StatusCode::OK,
            "document.html",
            json!({"e": api_entry(&e), "deliveries": deliveries, "draft": draft}),
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
