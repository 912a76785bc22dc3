//! Lesson 2, exercise `lossy`, planted mistake 4: one U+FFFD per bad byte.
//!
//! It keeps a cut character for the next piece, as it should, but replaces a bad sequence one
//! byte at a time. `error_len()` says how many bytes make the bad sequence: `\xe4\xbd` followed
//! by `x` is the start of a character that `x` cannot finish, one bad sequence of two bytes, and
//! `from_utf8_lossy` gives one U+FFFD for it, where this code gives two.

use std::str;

#[derive(Debug, Default, Clone)]
pub struct LossyDecoder {
    pending: Vec<u8>,
}

impl LossyDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn decode(&mut self, piece: &[u8]) -> String {
        let mut data = std::mem::take(&mut self.pending);
        data.extend_from_slice(piece);
        let mut text = String::new();
        let mut rest = data.as_slice();
        loop {
            let error = match str::from_utf8(rest) {
                Ok(valid) => {
                    text.push_str(valid);
                    return text;
                }
                Err(error) => error,
            };
            let (valid, after) = rest.split_at(error.valid_up_to());
            text.push_str(str::from_utf8(valid).expect("valid up to here"));
            if error.error_len().is_none() {
                self.pending = after.to_vec();
                return text;
            }
            text.push(char::REPLACEMENT_CHARACTER);
            rest = &after[1..]; // the mistake: one byte skipped, not error_len() bytes
        }
    }

    pub fn finish(self) -> String {
        if self.pending.is_empty() {
            String::new()
        } else {
            char::REPLACEMENT_CHARACTER.to_string()
        }
    }
}
