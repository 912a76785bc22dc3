//! Lesson 2, exercise `lossy`, planted mistake 1: every error taken for a cut character.
//!
//! It treats every error as a cut character: whatever follows the valid bytes waits for the next
//! piece, and `finish` decodes what is left lossily. But `error_len()` says when the bytes are
//! wrong whatever follows them, and then no piece will ever complete them: from the first bad
//! byte on, nothing more comes out until `finish`. Joined with what `finish` returns, the text is
//! right; it is just held back, all of it, for as long as the stream lasts.

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
        let valid_up_to = match str::from_utf8(&data) {
            Ok(_) => data.len(),
            Err(error) => error.valid_up_to(),
        };
        // The mistake: what follows the valid bytes is kept, whatever error_len() says.
        self.pending = data.split_off(valid_up_to);
        String::from_utf8(data).expect("the bytes before valid_up_to() are UTF-8")
    }

    pub fn finish(self) -> String {
        String::from_utf8_lossy(&self.pending).into_owned()
    }
}
