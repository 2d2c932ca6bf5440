//! The session cookie and the short-lived single sign-on state cookie:
//! HttpOnly, SameSite=Lax, Secure when Portico is served over https.

use axum::http::{header, HeaderMap, HeaderValue};

pub const SESSION_COOKIE: &str = "portico_session";
pub const OIDC_STATE_COOKIE: &str = "portico_oidc_state";

/// The value of cookie `name` in a request, if present.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"').to_owned())
        .filter(|value| !value.is_empty())
}

/// A `Set-Cookie` value that stores `value` for `max_age_secs` under `path`.
pub fn set(name: &str, value: &str, path: &str, max_age_secs: i64, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{secure}"
    ))
    .ok()
}

/// A `Set-Cookie` value that removes the cookie.
pub fn clear(name: &str, path: &str, secure: bool) -> Option<HeaderValue> {
    set(name, "", path, 0, secure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_one_cookie_among_several() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("theme=dark; portico_session=abc123; x=y"));
        assert_eq!(read(&headers, SESSION_COOKIE).as_deref(), Some("abc123"));
        assert_eq!(read(&headers, "missing"), None);
    }

    #[test]
    fn the_session_cookie_is_http_only_lax_and_secure_on_https() {
        let cookie = set(SESSION_COOKIE, "abc", "/", 60, true).unwrap();
        let text = cookie.to_str().unwrap();
        assert!(text.contains("HttpOnly") && text.contains("SameSite=Lax") && text.ends_with("; Secure"), "{text}");
        let plain = set(SESSION_COOKIE, "abc", "/", 60, false).unwrap();
        assert!(!plain.to_str().unwrap().contains("Secure"));
    }
}
