//! An optional second factor for signers: a TOTP code (RFC 6238: SHA-1, 6 digits, 30 s
//! steps, as every authenticator app reads it) asked when a signer consents to their key
//! signing a document. Enrolling shows a secret and its `otpauth://` link; the secret is
//! kept only once a code made from it is typed back. A code is accepted once (the step
//! it was made for is remembered) and within one step either side of now.

use rand_core::{OsRng, RngCore};
use totp_rs::{Algorithm, Secret, TOTP};

use super::{AccountError, User};
use crate::service::audit::{self, Outcome};
use crate::store::{Store, accounts};

/// Seconds per code.
const STEP: u64 = 30;

/// A secret being enrolled: shown to the user, kept once confirmed.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Enrolment {
    /// Base32, as typed into an app.
    pub secret: String,
    /// `otpauth://totp/vanthu:LOGIN?secret=…&issuer=vanthu`, for an app that reads links.
    pub url: String,
}

fn totp(secret: &str, login: &str) -> Result<TOTP, AccountError> {
    let bytes = Secret::Encoded(secret.trim().replace(' ', "").to_uppercase())
        .to_bytes()
        .map_err(|_| AccountError::BadSecondFactor)?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP,
        bytes,
        Some("vanthu".into()),
        login.to_string(),
    )
    .map_err(|_| AccountError::BadSecondFactor)
}

/// The step `code` was made for, if it is `secret`'s code for now or one step either
/// side.
fn matched_step(t: &TOTP, code: &str) -> Option<u64> {
    let code = code.trim().replace(' ', "");
    let now = chrono::Utc::now().timestamp().max(0) as u64;
    [now.saturating_sub(STEP), now, now + STEP]
        .into_iter()
        .find(|&time| {
            let want = t.generate(time);
            want.len() == code.len()
                && want
                    .bytes()
                    .zip(code.bytes())
                    .fold(0u8, |d, (a, b)| d | (a ^ b))
                    == 0
        })
        .map(|time| time / STEP)
}

/// A new secret for `user` to add to their authenticator app (not stored yet).
pub fn begin(user: &User) -> Result<Enrolment, AccountError> {
    if user.role != super::Role::Signer {
        return Err(AccountError::SecondFactorForSigners);
    }
    let mut raw = [0u8; 20];
    OsRng.fill_bytes(&mut raw);
    let secret = Secret::Raw(raw.to_vec()).to_encoded().to_string();
    let url = totp(&secret, &user.login)?.get_url();
    Ok(Enrolment { secret, url })
}

/// Keeps `secret` as `user`'s second factor once `code`, made from it, is right.
pub fn confirm(store: &Store, user: &User, secret: &str, code: &str) -> Result<(), AccountError> {
    if user.role != super::Role::Signer {
        return Err(AccountError::SecondFactorForSigners);
    }
    let t = totp(secret, &user.login)?;
    let step = matched_step(&t, code).ok_or(AccountError::WrongCode)?;
    let secret = secret.trim().replace(' ', "").to_uppercase();
    accounts::set_totp(store.conn(), user.id, Some(&secret), step as i64)?;
    audit::record(
        store.conn(),
        Some(user),
        "second-factor.on",
        &format!("user:{}", user.login),
        Outcome::Ok,
        "",
    )?;
    Ok(())
}

/// Whether `user` has a second factor.
pub fn enabled(store: &Store, user: &User) -> Result<bool, AccountError> {
    Ok(accounts::totp_secret(store.conn(), user.id)?.is_some())
}

/// Checks `code` against `user`'s second factor, when they have one (a code is
/// accepted once); nothing to check otherwise.
pub fn check(store: &Store, user: &User, code: Option<&str>) -> Result<(), AccountError> {
    let Some(secret) = accounts::totp_secret(store.conn(), user.id)? else {
        return Ok(());
    };
    let code = code
        .filter(|c| !c.trim().is_empty())
        .ok_or(AccountError::CodeRequired)?;
    let step = matched_step(&totp(&secret, &user.login)?, code).ok_or(AccountError::WrongCode)?;
    // One use per code: the step must be after the last one accepted (atomically).
    if !accounts::take_totp_step(store.conn(), user.id, step as i64)? {
        return Err(AccountError::CodeUsed);
    }
    Ok(())
}

/// Turns the second factor off (the account's password confirms it).
pub fn turn_off(store: &Store, user: &User, password: &str) -> Result<(), AccountError> {
    if super::authenticate(store, &user.login, password, None).is_err() {
        return Err(AccountError::WrongOldPassword);
    }
    accounts::set_totp(store.conn(), user.id, None, 0)?;
    audit::record(
        store.conn(),
        Some(user),
        "second-factor.off",
        &format!("user:{}", user.login),
        Outcome::Ok,
        "",
    )?;
    Ok(())
}

/// The code of a base32 `secret` at Unix time `time` (what an authenticator app shows
/// then; the tests type it).
pub fn code_at(secret: &str, time: u64) -> Result<String, AccountError> {
    Ok(totp(secret, "x")?.generate(time))
}
