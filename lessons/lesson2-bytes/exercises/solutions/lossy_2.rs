//! Lesson 2, exercise `lossy`: a second correct solution, written differently from the first.
//!
//! `<[u8]>::utf8_chunks` cuts bytes into runs of valid text, each followed by at most one bad
//! sequence, the very sequences `from_utf8_lossy` replaces. Only the last one can be a character
//! cut by the end of the bytes; it waits for the next piece if it could still become one.

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
        let data = [std::mem::take(&mut self.pending).as_slice(), piece].concat();
        let mut text = String::with_capacity(data.len());
        let mut chunks = data.utf8_chunks().peekable();
        while let Some(chunk) = chunks.next() {
            text.push_str(chunk.valid());
            let bad = chunk.invalid();
            if bad.is_empty() {
                continue;
            }
            let at_the_end = chunks.peek().is_none();
            if at_the_end && may_still_complete(bad) {
                self.pending = bad.to_vec();
            } else {
                text.push(char::REPLACEMENT_CHARACTER);
            }
        }
        text
    }

    /// Ends the stream, and returns what is left: nothing if the stream ended between two
    /// characters, and one U+FFFD if it ended inside one.
    pub fn finish(self) -> String {
        // The kept bytes are the start of one character: lossy decoding makes them one U+FFFD.
        String::from_utf8_lossy(&self.pending).into_owned()
    }
}

/// Whether `bytes` are the start of a character that more bytes could complete.
fn may_still_complete(bytes: &[u8]) -> bool {
    matches!(str::from_utf8(bytes), Err(error) if error.error_len().is_none())
}
