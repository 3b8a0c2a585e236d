//! Free text as the published contract states it: "blank" means what JSON Schema's `\s` (ECMA
//! 262) matches, so that a value the schema's `\S` pattern accepts is never refused as blank
//! here, and the other way round (Rust's own white space differs: it has U+0085, not U+FEFF).

/// Is `c` white space as ECMA 262's `\s` has it?
pub fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{0b}' | '\u{0c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

/// The words of `s` joined by one space; `None` when it is blank.
pub fn words(s: &str) -> Option<String> {
    let joined = s
        .split(is_space)
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    (!joined.is_empty()).then_some(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_is_what_the_schema_calls_blank() {
        assert_eq!(
            words("  South \t East\u{feff} ").as_deref(),
            Some("South East")
        );
        for blank in ["", " ", "\u{c}", "\u{feff}", "\u{3000}\n"] {
            assert_eq!(words(blank), None, "{blank:?}");
        }
        // U+0085 is not white space to the schema, so not here either.
        assert_eq!(words("\u{85}").as_deref(), Some("\u{85}"));
    }
}
