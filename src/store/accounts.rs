//! The accounts' tables: `users`, `sessions`, `api_tokens` and `login_failures`, as
//! typed rows. Secrets are stored only as what the service hands in (argon2 hashes,
//! SHA-256 of tokens); what an account may do is decided in `service`, not here.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::time::Stamp;

/// One account as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRow {
    pub id: i64,
    pub login: String,
    pub name: String,
    /// `drafter`, `signer`, `clerk`, `admin`.
    pub role: String,
    /// `agency`, `service` or `unlinked`.
    pub scope: String,
    pub agency_id: Option<String>,
    pub person_id: Option<String>,
    /// The agencies the account's person signs for besides their own, comma-separated.
    pub signs_for: Option<String>,
    pub must_change_password: bool,
    pub disabled: bool,
}

const USER: &str = "u.id, u.login, u.name, u.role, u.scope, u.agency_id, u.person_id,
    (SELECT p.signs_for FROM people p WHERE p.id = u.person_id), u.must_change_password,
    u.disabled_at IS NOT NULL";
/// How many columns [`USER`] reads (the next column is the caller's).
const USER_COUNT: usize = 10;

fn user_row(r: &rusqlite::Row) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        id: r.get(0)?,
        login: r.get(1)?,
        name: r.get(2)?,
        role: r.get(3)?,
        scope: r.get(4)?,
        agency_id: r.get(5)?,
        person_id: r.get(6)?,
        signs_for: r.get(7)?,
        must_change_password: r.get::<_, i64>(8)? != 0,
        disabled: r.get(9)?,
    })
}

/// The account with this login (as stored: lower case), and its password hash.
pub fn by_login(
    conn: &Connection,
    login: &str,
) -> Result<Option<(UserRow, String)>, rusqlite::Error> {
    conn.prepare_cached(&format!(
        "SELECT {USER}, u.password_hash FROM users u WHERE u.login = ?1"
    ))?
    .query_row([login], |r| Ok((user_row(r)?, r.get(USER_COUNT)?)))
    .optional()
}

/// One account with its place in words, for the administrator's list.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountRow {
    pub user: UserRow,
    /// The agency's short name.
    pub agency_name: Option<String>,
    /// The person's "name (title)".
    pub person_name: Option<String>,
}

/// Every account, or those of agency `of`, by login.
pub fn accounts(conn: &Connection, of: Option<&str>) -> Result<Vec<AccountRow>, rusqlite::Error> {
    conn.prepare(&format!(
        "SELECT {USER}, a.short_name, p.name || ' (' || p.title || ')'
         FROM users u LEFT JOIN agencies a ON a.id = u.agency_id LEFT JOIN people p ON p.id = u.person_id
         WHERE ?1 IS NULL OR u.agency_id = ?1 ORDER BY u.login"
    ))?
    .query_map([of], |r| {
        Ok(AccountRow {
            user: user_row(r)?,
            agency_name: r.get(USER_COUNT)?,
            person_name: r.get(USER_COUNT + 1)?,
        })
    })?
    .collect()
}

/// Whether the login is taken.
pub fn login_taken(conn: &Connection, login: &str) -> Result<bool, rusqlite::Error> {
    conn.query_row(
        "SELECT count(*) > 0 FROM users WHERE login = ?1",
        [login],
        |r| r.get(0),
    )
}

/// The account other than `except` that is person `person`, if any.
pub fn account_of_person(
    conn: &Connection,
    person: &str,
    except: Option<i64>,
) -> Result<Option<i64>, rusqlite::Error> {
    conn.query_row(
        "SELECT id FROM users WHERE person_id = ?1 AND id IS NOT ?2",
        params![person, except],
        |r| r.get(0),
    )
    .optional()
}

/// The person an enabled account `id` is (a signer's), if any.
pub fn person_of(conn: &Connection, id: i64) -> Result<Option<String>, rusqlite::Error> {
    Ok(conn
        .query_row(
            "SELECT person_id FROM users WHERE id = ?1 AND disabled_at IS NULL",
            [id],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub login: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub password_hash: &'a str,
    /// RFC 3339, UTC.
    pub created_at: &'a str,
    pub scope: &'a str,
    pub agency_id: Option<&'a str>,
    pub person_id: Option<&'a str>,
    pub must_change_password: bool,
}

/// Adds an account; returns its id.
pub fn insert_user(conn: &Connection, u: &NewUser) -> Result<i64, rusqlite::Error> {
    conn.execute(
        "INSERT INTO users (login, name, role, password_hash, created_at, scope, agency_id, person_id,
                            password_changed_at, must_change_password)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?5, ?9)",
        params![
            u.login,
            u.name,
            u.role,
            u.password_hash,
            u.created_at,
            u.scope,
            u.agency_id,
            u.person_id,
            u.must_change_password
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// A new place for an account: its scope, agency and person.
#[derive(Debug, Clone)]
pub struct Place<'a> {
    pub scope: &'a str,
    pub agency_id: Option<&'a str>,
    pub person_id: Option<&'a str>,
}

/// Sets an account's role, and its name and place when given.
pub fn update_user(
    conn: &Connection,
    id: i64,
    name: Option<&str>,
    role: &str,
    place: Option<&Place>,
) -> Result<(), rusqlite::Error> {
    conn.execute(
        "UPDATE users SET name = coalesce(?2, name), role = ?3,
            scope = coalesce(?4, scope), agency_id = CASE WHEN ?4 IS NULL THEN agency_id ELSE ?5 END,
            person_id = CASE WHEN ?4 IS NULL THEN person_id ELSE ?6 END
         WHERE id = ?1",
        params![
            id,
            name,
            role,
            place.map(|p| p.scope),
            place.and_then(|p| p.agency_id),
            place.and_then(|p| p.person_id),
        ],
    )?;
    Ok(())
}

/// Sets an account's password hash (`at`: RFC 3339, UTC), ends its sessions and tokens
/// and forgets its failed sign-ins.
pub fn set_password(
    conn: &Connection,
    id: i64,
    login: &str,
    hash: &str,
    must_change: bool,
    at: &str,
) -> Result<(), rusqlite::Error> {
    conn.execute(
        "UPDATE users SET password_hash = ?2, must_change_password = ?3, password_changed_at = ?4
         WHERE id = ?1",
        params![id, hash, must_change, at],
    )?;
    end_sessions(conn, id)?;
    forget_failures(conn, login)
}

/// Disables an account at `at` (kept if already disabled) and ends its sessions and
/// tokens, or enables it again (`at` None).
pub fn set_disabled(conn: &Connection, id: i64, at: Option<&str>) -> Result<(), rusqlite::Error> {
    match at {
        Some(at) => {
            conn.execute(
                "UPDATE users SET disabled_at = coalesce(disabled_at, ?2) WHERE id = ?1",
                params![id, at],
            )?;
            end_sessions(conn, id)
        }
        None => conn
            .execute("UPDATE users SET disabled_at = NULL WHERE id = ?1", [id])
            .map(|_| ()),
    }
}

/// Ends every session and API token of account `id`.
fn end_sessions(conn: &Connection, id: i64) -> Result<(), rusqlite::Error> {
    conn.execute("DELETE FROM sessions WHERE user_id = ?1", [id])?;
    conn.execute("DELETE FROM api_tokens WHERE user_id = ?1", [id])?;
    Ok(())
}

/// Stores a browser session (the SHA-256 of its cookie, its form token) until
/// `expires`, dropping the sessions that ended before `now`.
pub fn open_session(
    conn: &Connection,
    token_hash: &str,
    user: i64,
    csrf: &str,
    now: Stamp,
    expires: Stamp,
) -> Result<(), rusqlite::Error> {
    conn.execute("DELETE FROM sessions WHERE expires_at < ?1", [now])?;
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, csrf, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![token_hash, user, csrf, expires],
    )?;
    Ok(())
}

/// The enabled account and form token of a session live at `now`.
pub fn session_user(
    conn: &Connection,
    token_hash: &str,
    now: Stamp,
) -> Result<Option<(UserRow, String)>, rusqlite::Error> {
    conn.prepare_cached(&format!(
        "SELECT {USER}, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND u.disabled_at IS NULL"
    ))?
    .query_row(params![token_hash, now], |r| {
        Ok((user_row(r)?, r.get(USER_COUNT)?))
    })
    .optional()
}

/// Ends one session.
pub fn close_session(conn: &Connection, token_hash: &str) -> Result<(), rusqlite::Error> {
    conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
    Ok(())
}

/// Stores an API token (its SHA-256) of account `user`, made at `at` (RFC 3339).
pub fn add_token(
    conn: &Connection,
    token_hash: &str,
    user: i64,
    label: &str,
    at: &str,
) -> Result<(), rusqlite::Error> {
    conn.execute(
        "INSERT INTO api_tokens (token_hash, user_id, label, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![token_hash, user, label, at],
    )?;
    Ok(())
}

/// The enabled account an API token belongs to; its last use is set to `minute`
/// (written only when it changes).
pub fn token_user(
    conn: &Connection,
    token_hash: &str,
    minute: Stamp,
) -> Result<Option<UserRow>, rusqlite::Error> {
    let user = conn
        .prepare_cached(&format!(
            "SELECT {USER} FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = ?1 AND u.disabled_at IS NULL"
        ))?
        .query_row([token_hash], user_row)
        .optional()?;
    if user.is_some() {
        conn.prepare_cached(
            "UPDATE api_tokens SET last_used_at = ?2 WHERE token_hash = ?1 AND last_used_at IS NOT ?2",
        )?
        .execute(params![token_hash, minute])?;
    }
    Ok(user)
}

/// One API token as its owner sees it: `(id, label, created_at, last_used_at)`.
pub type TokenRow = (i64, String, String, Option<String>);

/// The API tokens of account `user`, newest first.
pub fn tokens(conn: &Connection, user: i64) -> Result<Vec<TokenRow>, rusqlite::Error> {
    conn.prepare(
        "SELECT rowid, label, created_at, last_used_at FROM api_tokens WHERE user_id = ?1
         ORDER BY rowid DESC",
    )?
    .query_map([user], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
    .collect()
}

/// Deletes API token `id` of account `user`; false if it has no such token.
pub fn revoke_token(conn: &Connection, user: i64, id: i64) -> Result<bool, rusqlite::Error> {
    Ok(conn.execute(
        "DELETE FROM api_tokens WHERE rowid = ?1 AND user_id = ?2",
        params![id, user],
    )? > 0)
}

/// Failed sign-ins within a window: how many and the oldest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    pub count: i64,
    pub oldest: Option<Stamp>,
}

/// Reserves a failure row for a sign-in attempt at `now` unless `refuse` says the
/// failures since `since` (of the login, then of the address) already refuse it; one
/// immediate transaction, so concurrent attempts queue. Returns the row's id, or the
/// refusal.
pub fn reserve_attempt<E>(
    conn: &Connection,
    login: &str,
    address: Option<&str>,
    now: Stamp,
    since: Stamp,
    refuse: impl Fn(Failures, Failures) -> Option<E>,
) -> Result<Result<i64, E>, rusqlite::Error> {
    let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    let count = |column: &str, value: Option<&str>| -> rusqlite::Result<Failures> {
        let Some(value) = value else {
            return Ok(Failures {
                count: 0,
                oldest: None,
            });
        };
        tx.query_row(
            &format!(
                "SELECT count(*), min(at) FROM login_failures WHERE {column} = ?1 AND at > ?2"
            ),
            params![value, since],
            |r| {
                Ok(Failures {
                    count: r.get(0)?,
                    oldest: r.get(1)?,
                })
            },
        )
    };
    let by_login = count("login", Some(login))?;
    let by_address = count("address", address)?;
    if let Some(refusal) = refuse(by_login, by_address) {
        return Ok(Err(refusal));
    }
    tx.execute(
        "INSERT INTO login_failures (login, at, address) VALUES (?1, ?2, ?3)",
        params![login, now, address],
    )?;
    let id = tx.last_insert_rowid();
    tx.commit()?;
    Ok(Ok(id))
}

/// Gives back a reserved failure row (the attempt did not count).
pub fn release_attempt(conn: &Connection, id: i64) -> Result<(), rusqlite::Error> {
    conn.execute("DELETE FROM login_failures WHERE rowid = ?1", [id])?;
    Ok(())
}

/// Forgets the failed sign-ins of a login (it signed in, or its password was set).
pub fn forget_failures(conn: &Connection, login: &str) -> Result<(), rusqlite::Error> {
    conn.execute("DELETE FROM login_failures WHERE login = ?1", [login])?;
    Ok(())
}

/// Drops failed sign-ins at or before `until`.
pub fn drop_failures_until(conn: &Connection, until: Stamp) -> Result<(), rusqlite::Error> {
    conn.execute("DELETE FROM login_failures WHERE at <= ?1", [until])?;
    Ok(())
}

/// An account's second factor: its TOTP secret, if it has one.
pub fn totp_secret(conn: &Connection, user: i64) -> Result<Option<String>, rusqlite::Error> {
    Ok(conn
        .query_row("SELECT totp_secret FROM users WHERE id = ?1", [user], |r| {
            r.get(0)
        })
        .optional()?
        .flatten())
}

/// Sets (Some) or removes (None) an account's TOTP secret with the step last used.
pub fn set_totp(
    conn: &Connection,
    user: i64,
    secret: Option<&str>,
    step: i64,
) -> Result<(), rusqlite::Error> {
    conn.execute(
        "UPDATE users SET totp_secret = ?2, totp_last_step = ?3 WHERE id = ?1",
        params![user, secret, step],
    )?;
    Ok(())
}

/// Takes TOTP step `step` for the account if it is after the last one used
/// (atomically); false when it is not (a code used twice).
pub fn take_totp_step(conn: &Connection, user: i64, step: i64) -> Result<bool, rusqlite::Error> {
    Ok(conn.execute(
        "UPDATE users SET totp_last_step = ?2 WHERE id = ?1 AND totp_last_step < ?2",
        params![user, step],
    )? > 0)
}
