//! Lesson 2, exercise `lossy`, planted mistake 2: a stream that ends inside a character ends
//! without a trace.
//!
//! `decode` is right, but `finish` returns nothing, whatever is kept: the first bytes of a
//! character whose last bytes never came are dropped without a word. `from_utf8_lossy` of the
//! whole stream shows them as one U+FFFD; so must the decoder, or a cut-off download looks
//! complete.

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
            match error.error_len() {
                None => {
                    self.pending = after.to_vec();
                    return text;
                }
                Some(len) => {
                    text.push(char::REPLACEMENT_CHARACTER);
                    rest = &after[len..];
                }
            }
        }
    }

    pub fn finish(self) -> String {
        String::new() // the mistake: the kept bytes of a cut character vanish
    }
}
