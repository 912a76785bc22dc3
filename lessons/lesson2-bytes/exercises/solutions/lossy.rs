//! Lesson 2, exercise `lossy`: the reference solution (the one the book shows).

use std::str;

/// Decodes a stream of UTF-8 bytes that arrives in pieces of any size, replacing each sequence
/// of bytes that is not UTF-8 with U+FFFD (`char::REPLACEMENT_CHARACTER`).
#[derive(Debug, Default, Clone)]
pub struct LossyDecoder {
    /// The first bytes of a character whose last bytes have not arrived yet.
    pending: Vec<u8>,
}

impl LossyDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes `piece`, the next bytes of the stream, after the bytes kept from earlier pieces.
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
            text.push_str(str::from_utf8(valid).expect("the bytes before valid_up_to() are UTF-8"));
            match error.error_len() {
                // The bytes end inside a character: its start waits for the next piece.
                None => {
                    self.pending = after.to_vec();
                    return text;
                }
                // These bytes are wrong whatever comes next: one U+FFFD for them, and go on.
                Some(len) => {
                    text.push(char::REPLACEMENT_CHARACTER);
                    rest = &after[len..];
                }
            }
        }
    }

    /// Ends the stream, and returns what is left: nothing if the stream ended between two
    /// characters, and one U+FFFD if it ended inside one.
    pub fn finish(self) -> String {
        // What is kept is always the start of one character, never more.
        if self.pending.is_empty() {
            String::new()
        } else {
            char::REPLACEMENT_CHARACTER.to_string()
        }
    }
}
