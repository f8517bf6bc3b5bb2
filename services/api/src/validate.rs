//! Bounds on what clients may send. Every string a person typed is trimmed and
//! length-checked (in characters, not bytes); every check names the field in its message.

use crate::ApiError;

/// A required, trimmed string of `min..=max` characters with no control characters.
pub fn text(field: &str, value: &str, min: usize, max: usize) -> Result<String, ApiError> {
    let trimmed = value.trim();
    let len = trimmed.chars().count();
    if len < min {
        return Err(ApiError::validation(if min == 1 {
            format!("{field} must not be empty")
        } else {
            format!("{field} must be at least {min} characters")
        }));
    }
    if len > max {
        return Err(ApiError::validation(format!("{field} must be at most {max} characters")));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(ApiError::validation(format!("{field} must not contain control characters")));
    }
    Ok(trimmed.to_owned())
}

/// An optional trimmed string of at most `max` characters: absent or blank is `None`.
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, ApiError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => text(field, v, 1, max).map(Some),
    }
}

/// An integer within `min..=max`.
pub fn range(field: &str, value: i64, min: i64, max: i64) -> Result<i64, ApiError> {
    if value < min || value > max {
        return Err(ApiError::validation(format!("{field} must be between {min} and {max}")));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded_in_characters() {
        // (input, min, max, expected: Ok(trimmed) or Err(message fragment))
        let table: [(&str, usize, usize, Result<&str, &str>); 6] = [
            ("  Ana  ", 1, 10, Ok("Ana")),
            ("   ", 1, 10, Err("must not be empty")),
            ("Crème brûlée", 1, 12, Ok("Crème brûlée")),
            ("Crème brûlée!", 1, 12, Err("at most 12")),
            ("ab", 3, 10, Err("at least 3")),
            ("a\u{0}b", 1, 10, Err("control characters")),
        ];
        for (input, min, max, expected) in table {
            match (text("name", input, min, max), expected) {
                (Ok(got), Ok(want)) => assert_eq!(got, want),
                (Err(e), Err(fragment)) => {
                    assert_eq!(e.code(), "validation_failed");
                    assert!(e.message().contains(fragment), "{input:?}: {}", e.message());
                }
                (got, want) => panic!("{input:?}: got {got:?}, want {want:?}"),
            }
        }
    }
}
