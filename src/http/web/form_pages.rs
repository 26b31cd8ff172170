//! The template forms: a template's form page (fields with choices, values and errors
//! by field), a new draft from it, and saving it (create or update) with its problems
//! shown next to their fields.

use super::*;

/// Marks where the folded groups of a form begin and end: seldom-filled fields fold
/// under their group's heading, open when one of them holds something or has a problem.
fn fold_groups(fields: &mut [FieldView]) {
    for run in fields.chunk_by_mut(|a, b| a.group == b.group) {
        if run[0].group.is_none() {
            continue;
        }
        let open = run.iter().any(|f| f.filled || f.error.is_some());
        run[0].group_start = true;
        run[0].group_open = open;
        if let Some(last) = run.last_mut() {
            last.group_end = true;
        }
    }
}

/// One field of a template's form page.
#[derive(Serialize)]
struct FieldView {
    name: String,
    label: String,
    kind: forms::FieldKind,
    required: bool,
    multiline: bool,
    /// The document kinds it belongs to (empty: every kind).
    kinds: Vec<String>,
    /// In view (a field of another kind is hidden unless it holds something).
    shown: bool,
    group: Option<String>,
    filled: bool,
    choices: Vec<forms::Choice>,
    /// The recipients ticked in the lists.
    picked: Vec<String>,
    value: String,
    error: Option<String>,
    /// The first field of a folded group, and whether the group is open.
    group_start: bool,
    group_open: bool,
    /// The last field of a folded group.
    group_end: bool,
}

/// A template's form page.
#[derive(Serialize)]
struct FormPage {
    form: &'static forms::Form,
    fields: Vec<FieldView>,
    /// The draft being changed (None: a new draft).
    draft: Option<i64>,
    /// A problem of the whole form.
    general: Option<String>,
    /// An uploaded file's history line, carried until the draft is saved.
    upload_detail: Option<String>,
    /// What the upload asks the drafter to review.
    review: Option<String>,
}

/// A form's fields by name; a name sent more than once (the recipients ticked in a
/// list and those typed) keeps every value, one a line, in the order sent.
pub(super) fn joined(pairs: Vec<(String, String)>) -> BTreeMap<String, String> {
    let mut form: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in pairs {
        match form.get_mut(&k) {
            Some(old) if !v.trim().is_empty() => {
                if !old.trim().is_empty() {
                    old.push('\n');
                }
                old.push_str(&v);
            }
            Some(_) => {}
            None => {
                form.insert(k, v);
            }
        }
    }
    form
}

/// The form page of a template: its fields with choices, values and per-field errors.
pub(super) async fn form_page(
    state: &AppState,
    caller: &Caller,
    status: StatusCode,
    template: String,
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    draft: Option<i64>,
) -> Response {
    let Some(form) = forms::form(&template) else {
        return error_page(
            state,
            Some(caller),
            StatusCode::NOT_FOUND,
            &format!("không có mẫu văn bản \"{template}\""),
        );
    };
    let user = caller.user.clone();
    let fresh = values.is_empty() && draft.is_none();
    let mut values = values;
    let result = state
        .run(move |store, _| {
            // A new form starts with the drafter's agency and, when it has one signer,
            // that signer.
            if fresh {
                values.extend(forms::defaults(store, form, &user)?);
            }
            let mut fields = vec![];
            for f in &form.fields {
                let choices = forms::choices(store, f.kind)?;
                let mut value = values.get(&f.name).cloned().unwrap_or_else(|| {
                    if f.kind == forms::FieldKind::Date {
                        register::today_vn().to_string()
                    } else {
                        String::new()
                    }
                });
                // Recipients picked from the lists are ticked; the text area holds the rest.
                let mut picked = vec![];
                if f.kind == forms::FieldKind::Recipients {
                    let (on, typed): (Vec<&str>, Vec<&str>) = value
                        .lines()
                        .partition(|l| choices.iter().any(|c| c.value == l.trim()));
                    picked = on.iter().map(|l| l.trim().to_string()).collect();
                    value = typed.join("\n");
                }
                // A field of other kinds (a decision's grounds in a công văn) is out of
                // view unless it holds something.
                let kind = values.get("kind").map(String::as_str).unwrap_or("");
                let shown = f.kinds.is_empty()
                    || f.kinds.iter().any(|k| k == kind)
                    || !value.trim().is_empty()
                    || !picked.is_empty();
                fields.push(FieldView {
                    name: f.name.clone(),
                    label: f.label.clone(),
                    kind: f.kind,
                    required: f.required,
                    multiline: f.kind.multiline(),
                    kinds: f.kinds.clone(),
                    shown,
                    group: f.group.clone(),
                    filled: !value.trim().is_empty() || !picked.is_empty(),
                    choices,
                    picked,
                    value,
                    error: errors.get(&f.name).cloned(),
                    group_start: false,
                    group_open: false,
                    group_end: false,
                });
            }
            fold_groups(&mut fields);
            let carried = values.get(super::compose::UPLOAD_DETAIL).cloned();
            let review = carried
                .as_deref()
                .and_then(|d| d.split_once("; cần xem lại: "))
                .map(|(_, r)| r.to_string());
            Ok::<_, ApiError>(FormPage {
                form,
                fields,
                draft,
                general: errors.get("").cloned(),
                upload_detail: carried,
                review,
            })
        })
        .await;
    match result {
        Ok(ctx) => render(state, Some(caller), status, "draft_form.html", ctx),
        Err(e) => fail(state, caller, e),
    }
}

pub(super) async fn new_draft(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let mut values = q;
    let template = values
        .remove("template")
        .unwrap_or_else(|| "reminder".into());
    // Only those who compose see a form (a signer or a clerk is told so, not shown a
    // form whose preview would be refused).
    let user = caller.user.clone();
    let allowed = state
        .run(move |store, _| {
            Ok::<_, ApiError>(drafts::authorize(
                store,
                &user,
                Action::Compose,
                "draft:new",
            )?)
        })
        .await;
    if let Err(e) = allowed {
        return fail_back(&state, &caller, e, "/drafts", "Về danh sách bản nháp");
    }
    form_page(
        &state,
        &caller,
        StatusCode::OK,
        template,
        values,
        BTreeMap::new(),
        None,
    )
    .await
}

/// Why saving a form failed: the workflow's typed error, or the service's.
pub(super) enum Failure {
    Draft(DraftError),
    Api(ApiError),
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Api(e)
    }
}

/// A failed create/update: field errors next to their fields, anything else on top.
pub(super) async fn form_errors(
    state: &AppState,
    caller: &Caller,
    template: String,
    values: BTreeMap<String, String>,
    e: Failure,
    draft: Option<i64>,
) -> Response {
    let mut errors = BTreeMap::new();
    match e {
        Failure::Draft(DraftError::Invalid(problems)) => {
            for p in problems {
                // Several problems of one field (or of the whole form) are all shown.
                match errors.get_mut(&p.field) {
                    Some(m) => {
                        let m: &mut String = m;
                        m.push_str("; ");
                        m.push_str(&p.message);
                    }
                    None => {
                        errors.insert(p.field, p.message);
                    }
                }
            }
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            form_page(state, caller, status, template, values, errors, draft).await
        }
        Failure::Draft(e) => {
            let api = ApiError::from(e);
            if api.status == StatusCode::FORBIDDEN || api.status == StatusCode::NOT_FOUND {
                return fail(state, caller, api);
            }
            errors.insert(String::new(), api.message);
            form_page(state, caller, api.status, template, values, errors, draft).await
        }
        Failure::Api(api) => fail(state, caller, api),
    }
}

pub(super) async fn create_draft(
    State(state): State<AppState>,
    Query(q): Query<BTreeMap<String, String>>,
    Posted { caller, mut form }: Posted,
) -> Response {
    let template = q.get("template").cloned().unwrap_or_default();
    // A refused upload's history line comes back with its fixed form.
    let carried = form.remove(super::compose::UPLOAD_DETAIL);
    let carried_back = carried.clone();
    let (t, values, user) = (template.clone(), form.clone(), caller.user.clone());
    let result = state
        .run(move |store, _| {
            match carried
                .as_deref()
                .filter(|_| t == crate::service::compose::TEMPLATE)
            {
                Some(detail) => {
                    crate::service::upload::create_from_upload(store, &user, &values, detail)
                }
                None => drafts::create(store, &user, &t, &values),
            }
            .map_err(Failure::Draft)
        })
        .await;
    match result {
        Ok(d) => Redirect::to(&format!("/drafts/{}", d.id)).into_response(),
        Err(e) => {
            if let Some(d) = carried_back {
                form.insert(super::compose::UPLOAD_DETAIL.into(), d);
            }
            form_errors(&state, &caller, template, form, e, None).await
        }
    }
}

pub(super) async fn edit_draft(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Id(id): Id,
) -> Response {
    let user = caller.user.clone();
    match state
        .run(move |store, _| Ok::<_, ApiError>(drafts::get_for(store, &user, id)?))
        .await
    {
        Ok(d) => {
            form_page(
                &state,
                &caller,
                StatusCode::OK,
                d.template,
                d.fields,
                BTreeMap::new(),
                Some(id),
            )
            .await
        }
        Err(e) => fail(&state, &caller, e),
    }
}

pub(super) async fn update_draft(
    State(state): State<AppState>,
    Id(id): Id,
    Posted { caller, form }: Posted,
) -> Response {
    let reader = caller.user.clone();
    let template = match state
        .run(move |store, _| Ok::<_, ApiError>(drafts::get_for(store, &reader, id)?))
        .await
    {
        Ok(d) => d.template,
        Err(e) => return fail(&state, &caller, e),
    };
    let (values, user) = (form.clone(), caller.user.clone());
    let result = state
        .run(move |store, _| drafts::update(store, &user, id, &values).map_err(Failure::Draft))
        .await;
    match result {
        Ok(_) => Redirect::to(&format!("/drafts/{id}")).into_response(),
        Err(e) => form_errors(&state, &caller, template, form, e, Some(id)).await,
    }
}
