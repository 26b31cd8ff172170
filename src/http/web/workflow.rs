//! Drafts: the list, the draft page with its preview, and the workflow actions (the
//! template forms that make and change a draft are in `form_pages`).

use super::*;
use crate::service::preview;

/// A draft as the pages show it: the stored draft with its state and time in words,
/// its template's title, and its form's values under the form's labels.
#[derive(Serialize)]
pub(super) struct DraftLine {
    #[serde(flatten)]
    draft: drafts::Draft,
    state_label: &'static str,
    updated_label: String,
    signer_name: String,
    template_title: String,
    field_rows: Vec<FieldRow>,
}

/// One value of a draft's form, under its label.
#[derive(Serialize)]
struct FieldRow {
    label: String,
    value: String,
}

impl DraftLine {
    /// The draft with its choice fields shown as stored (ids).
    pub(super) fn of(d: drafts::Draft) -> DraftLine {
        DraftLine::named(d, &BTreeMap::new())
    }

    /// The draft with its choice fields shown by name (`names`: field → label).
    pub(super) fn named(d: drafts::Draft, names: &BTreeMap<String, String>) -> DraftLine {
        let form = forms::form(&d.template);
        // The form's values under the form's labels, dates as a clerk writes them.
        let field_rows = form
            .map(|f| f.fields.as_slice())
            .unwrap_or_default()
            .iter()
            .filter_map(|f| {
                let value = d.fields.get(&f.name)?;
                if f.kind == forms::FieldKind::Markup || f.name == "subject" {
                    // The body is read on the preview's pages; the trích yếu heads the list.
                    return None;
                }
                let shown = match f.kind {
                    forms::FieldKind::Lines | forms::FieldKind::Recipients => value
                        .lines()
                        .map(|l| {
                            names
                                .get(&format!("{}:{l}", f.name))
                                .map_or(l, |n| n.as_str())
                        })
                        .collect::<Vec<_>>()
                        // One a line, as typed (recipients end with their own ";").
                        .join("\n"),
                    forms::FieldKind::Date => forms::parse_date(value)
                        .map(|x| x.format("%d/%m/%Y").to_string())
                        .unwrap_or_else(|| value.clone()),
                    _ => names.get(&f.name).cloned().unwrap_or_else(|| value.clone()),
                };
                let label = f.label.split(" (").next().unwrap_or(&f.label).to_string();
                Some(FieldRow {
                    label,
                    value: shown,
                })
            })
            .collect();
        DraftLine {
            state_label: d.state.label(),
            updated_label: crate::vietnam_clock(&d.updated_at),
            signer_name: names.get("__signer").cloned().unwrap_or_default(),
            template_title: form.map_or(d.template.clone(), |f| f.title.clone()),
            field_rows,
            draft: d,
        }
    }
}

#[derive(Serialize)]
struct DraftsPage {
    drafts: Vec<DraftLine>,
    templates: &'static [forms::Form],
    saved: Vec<crate::service::saved::SavedTemplate>,
    state: Option<&'static str>,
}

pub(super) async fn drafts_page(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Query(q): Query<BTreeMap<String, String>>,
) -> WebResult {
    let filter = q.get("state").and_then(|s| DraftState::parse(s));
    let user = caller.user.clone();
    let (list, saved) = state
        .run(move |store, _| {
            Ok::<_, ApiError>((
                drafts::list(store, &user, filter)?,
                crate::service::saved::list(store, &user)?,
            ))
        })
        .await
        .or_page(&state, &caller)?;
    Ok(render(
        &state,
        Some(&caller),
        StatusCode::OK,
        "drafts.html",
        DraftsPage {
            drafts: list.into_iter().map(DraftLine::of).collect(),
            templates: forms::forms(),
            saved,
            state: filter.map(|s| s.code()),
        },
    ))
}

/// A PIN to type for a key on a token.
#[derive(Serialize)]
struct PinField {
    field: String,
    label: String,
}

/// The draft page: the draft, its preview, history, allowed actions and deliveries.
#[derive(Serialize)]
struct DraftPage {
    /// Seconds until the page reloads itself (a signing job, messages on their way).
    refresh: Option<u32>,
    job: Option<crate::service::issuing::JobState>,
    waiting: bool,
    pins: Vec<PinField>,
    remote_signer: bool,
    d: DraftLine,
    history: Vec<crate::service::audit::Event>,
    actions: drafts::Actions,
    second_factor: bool,
    content_hash: Option<String>,
    document: Option<EntryLine>,
    deliveries: Vec<crate::http::views::DeliveryView>,
    done: Option<String>,
    pages: Option<preview::Shown>,
    /// The mark of a secret found in the document (it is not sent).
    secret: Option<&'static str>,
}

pub(super) async fn draft_page(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Id(id): Id,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let user = caller.user.clone();
    let result = state
        .run(move |store, state| {
            let d = drafts::get_for(store, &user, id)?;
            let mut names = BTreeMap::new();
            for f in forms::form(&d.template).map_or(&[][..], |f| f.fields.as_slice()) {
                let Some(v) = d.fields.get(&f.name) else {
                    continue;
                };
                if f.kind == forms::FieldKind::Recipients {
                    // `@id` lines by the group's or agency's name.
                    for line in v.lines().filter(|l| l.starts_with('@')) {
                        let name = forms::value_label(store, f.kind, line)?;
                        names.insert(format!("{}:{line}", f.name), name);
                    }
                } else if !f.kind.multiline() {
                    names.insert(f.name.clone(), forms::value_label(store, f.kind, v)?);
                }
            }
            if let Some(p) = &d.signer {
                names.insert(
                    "__signer".into(),
                    crate::service::access::person_name(store, p),
                );
            }
            let pages = if d.document_id.is_none() {
                Some(preview::shown(
                    &d.template,
                    preview::draft(store, &user, state.renderer(), id),
                )?)
            } else {
                None
            };
            let history = drafts::history(store, &user, id)?;
            // The hash of what these pages show: what a signer who approves them approves.
            let content = if d.state == DraftState::Submitted {
                Some(drafts::content_hash(store, &user, id)?)
            } else {
                d.approved_hash.clone()
            };
            let second_factor = crate::service::accounts::second_factor::enabled(store, &user)?;
            let document = match d.document_id {
                Some(doc) => Some(crate::service::documents::entry(store, &user, doc)?),
                None => None,
            };
            let deliveries = match d.document_id {
                Some(doc) => crate::service::documents::deliveries(store, &user, doc)?
                    .iter()
                    .map(crate::http::views::DeliveryView::from)
                    .collect(),
                None => vec![],
            };
            // What the issue form asks: a token's PIN, a remote signer's confirmation.
            let keys = if d.state == DraftState::Approved {
                drafts::issue_keys(store, &state.keyring(), &user, id).unwrap_or_default()
            } else {
                vec![]
            };
            // A secret document is never e-mailed: no send button, the paper instead.
            let secret = match &document {
                Some(e) => match crate::mail::refuse_secret(store, e) {
                    Err(crate::mail::MailError::Secret(_, mark)) => Some(mark),
                    _ => None,
                },
                None => None,
            };
            Ok::<_, ApiError>((
                d,
                names,
                (history, second_factor, content),
                (document, secret),
                deliveries,
                keys,
                pages,
            ))
        })
        .await;
    let (d, names, (history, second_factor, content), (document, secret), deliveries, keys, pages) =
        match result {
            Ok(r) => r,
            Err(e) => return fail(&state, &caller, e),
        };
    // Once sent, the delivery table says the rest (a retry is `vanthu send --retry-failed`).
    let actions = drafts::actions(&caller.user, &d, !deliveries.is_empty(), secret.is_some());
    // While messages are on their way, or a remote signer is asked, the page reloads
    // itself (no script needed).
    let pending = deliveries
        .iter()
        .any(|x| x.status == "queued" || x.status == "sending");
    let job = state.jobs().get(id);
    let waiting = job.as_ref().is_some_and(|j| j.running());
    let pins = keys
        .iter()
        .filter_map(|(owner, place)| match place {
            crate::sign::keys::KeyPlace::Token(token) => Some(PinField {
                field: format!("pin_{}", owner.role().code()),
                label: format!("Mã PIN của {token} ({owner})"),
            }),
            _ => None,
        })
        .collect();
    let remote = keys
        .iter()
        .any(|(_, p)| matches!(p, crate::sign::keys::KeyPlace::Remote(_)));
    render(
        &state,
        Some(&caller),
        StatusCode::OK,
        "draft.html",
        DraftPage {
            refresh: if waiting {
                Some(2)
            } else if pending {
                Some(3)
            } else {
                None
            },
            job,
            waiting,
            pins,
            remote_signer: remote,
            d: DraftLine::named(d, &names),
            history,
            actions,
            second_factor,
            content_hash: content,
            document: document.map(EntryLine::from),
            deliveries,
            done: q.get("done").cloned(),
            pages,
            secret,
        },
    )
}

pub(super) async fn preview(
    State(state): State<AppState>,
    WebUser(caller): WebUser,
    Id(id): Id,
) -> WebResult {
    let user = caller.user.clone();
    let result = state
        .run(move |store, state| {
            let pdf = drafts::preview(store, &user, state.renderer(), id)?;
            Ok::<_, ApiError>(api::file(
                pdf,
                "application/pdf",
                &format!("ban-nhap-{id}.pdf"),
            ))
        })
        .await;
    result.or_page(&state, &caller)
}

pub(super) async fn draft_action(
    State(state): State<AppState>,
    axum::extract::Path((id, action)): axum::extract::Path<(String, String)>,
    Posted { caller, form }: Posted,
) -> WebResult {
    let Ok(id) = id.parse::<i64>() else {
        let message = "không có bản nháp này";
        return Err(error_page(&state, Some(&caller), StatusCode::NOT_FOUND, message).into());
    };
    if !["submit", "approve", "return", "issue", "send"].contains(&action.as_str()) {
        let message = format!("không có thao tác \"{action}\" với bản nháp");
        return Err(error_page(&state, Some(&caller), StatusCode::NOT_FOUND, &message).into());
    }
    // The two steps that cannot be undone take the page's ticked box (a page without
    // scripts, on any device, cannot be clicked through by accident).
    let confirmed =
        drafts::Confirmation::answered(form.get("confirm").map(String::as_str) == Some("yes"));
    let user = caller.user.clone();
    let comment = form.get("comment").cloned().unwrap_or_default();
    // A signer who types their password approves and consents to their key signing.
    let password = form.get("password").cloned().filter(|p| !p.is_empty());
    let code = form.get("code").cloned();
    // The hash of the pages the signer was shown: what they approve.
    let seen = form.get("seen").cloned();
    if action == "issue" {
        let pins = api::workflow::Pins::from_form(&form);
        // Issued and sent in one confirmed step when the clerk ticks both.
        let send = form.get("send").map(String::as_str) == Some("yes");
        let back = format!("/drafts/{id}");
        let issued = state
            .issue(user.clone(), id, pins.unlock(), confirmed)
            .await
            .or_page_back(&state, &caller, &back, "Về bản nháp")?;
        return Ok(match issued {
            Some(_) if send => {
                state
                    .run(move |store, state| {
                        let yes = drafts::Confirmation::answered(true);
                        drafts::send(store, &state.mail(), &state.keyring(), &user, id, yes)
                            .map_err(ApiError::from)
                    })
                    .await
                    .map_err(|e| ApiError {
                        message: format!("đã ban hành nhưng chưa gửi: {}", e.message),
                        ..e
                    })
                    .or_page_back(&state, &caller, &back, "Về bản nháp")?;
                Redirect::to(&format!("/drafts/{id}?done=issue-send")).into_response()
            }
            Some(_) => Redirect::to(&format!("/drafts/{id}?done=issue")).into_response(),
            // A remote signer confirms on their phone: the page shows the wait.
            None => Redirect::to(&format!("/drafts/{id}")).into_response(),
        });
    }
    let act = action.clone();
    let result = state
        .run(move |store, state| {
            match act.as_str() {
                "submit" => drafts::submit(store, &user, id).map(|_| ()),
                "approve" => match &password {
                    Some(p) => drafts::approve_signing(
                        store,
                        &user,
                        id,
                        p,
                        code.as_deref(),
                        seen.as_deref(),
                    )
                    .map(|_| ()),
                    None => drafts::approve(store, &user, id, seen.as_deref()).map(|_| ()),
                },
                "return" => drafts::return_draft(store, &user, id, &comment).map(|_| ()),
                "issue" => unreachable!("issued below"),
                "send" => {
                    drafts::send(store, &state.mail(), &state.keyring(), &user, id, confirmed)
                        .map(|_| ())
                }
                _ => unreachable!("checked above"),
            }
            .map_err(ApiError::from)
        })
        .await;
    result.or_page_back(&state, &caller, &format!("/drafts/{id}"), "Về bản nháp")?;
    Ok(Redirect::to(&format!("/drafts/{id}?done={action}")).into_response())
}
