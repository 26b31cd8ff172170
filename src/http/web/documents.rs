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
            let e = register::by_id(store, id)
                .map_err(|_| ApiError::not_found(format!("không có văn bản mã {id} trong sổ")))?;
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
    let (Ok(id), pdf) = (id.parse::<i64>(), format == "pdf") else {
        return error_page(
            &state,
            Some(&caller),
            StatusCode::NOT_FOUND,
            "không có văn bản này",
        );
    };
    if !pdf && format != "docx" {
        return error_page(
            &state,
            Some(&caller),
            StatusCode::NOT_FOUND,
            "chỉ có tệp pdf hoặc docx",
        );
    }
    let result = state
        .run(move |store, _| {
            let e = register::by_id(store, id)
                .map_err(|_| ApiError::not_found(format!("không có văn bản mã {id} trong sổ")))?;
            let (p, d) = register::files(store, id)?;
            let stem = format!("{}-{}", e.number_symbol.replace('/', "-"), e.year);
            Ok::<_, ApiError>(if pdf {
                api::file(p, "application/pdf", &format!("{stem}.pdf"))
            } else {
                api::file(
                    d,
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    &format!("{stem}.docx"),
                )
            })
        })
        .await;
    result.unwrap_or_else(|e| fail(&state, &caller, e))
}
