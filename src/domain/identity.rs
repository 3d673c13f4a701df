//! How developer identities are compared: ONE rule for e-mail addresses wherever a
//! developer is matched (local git config, `[[team]]` members, the directory CSV, vendor
//! member lists, commit authors): trimmed, angle brackets dropped, ASCII lower-cased.

/// An e-mail address in its compared form: `" <Ana@Example.COM> "` → `ana@example.com`.
pub fn normalise_email(raw: &str) -> String {
    raw.trim()
        .trim_matches(['<', '>'])
        .trim()
        .to_ascii_lowercase()
}

/// A developer id: an e-mail address normalised; anything else (a name, `api-key:…`,
/// `user@host` fallbacks included) trimmed, with an `@` in it normalised like an email.
pub fn developer_id(raw: &str) -> String {
    if raw.contains('@') {
        normalise_email(raw)
    } else {
        raw.trim().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_compare_case_insensitively_and_without_brackets() {
        assert_eq!(normalise_email(" <Ana@Example.COM> "), "ana@example.com");
        assert_eq!(developer_id("Ana.Lopez@ACME.io"), "ana.lopez@acme.io");
        assert_eq!(developer_id(" api-key:CI "), "api-key:CI");
    }
}
