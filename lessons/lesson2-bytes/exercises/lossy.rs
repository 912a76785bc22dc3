//! Lesson 2, exercise `lossy`: an incremental decoder that replaces bad bytes with U+FFFD.
//!
//! The lesson's `Utf8Decoder` is strict: at the first bytes that are not UTF-8 it stops with an
//! error. Sometimes you would rather show what you can, like Python's
//! `codecs.getincrementaldecoder('utf-8')(errors='replace')`: each bad sequence becomes U+FFFD,
//! the replacement character �, and decoding goes on. But a character cut between two pieces is
//! not a bad sequence: it must still come out whole once its last byte arrives.
//!
//! The rule that pins it down: however a stream of bytes is cut into pieces, what `decode`
//! returns for each piece, joined, followed by what `finish` returns, is what
//! `String::from_utf8_lossy` gives for all the bytes at once. And nothing waits longer than it
//! must: `decode` keeps back only the start of a character that the next piece may complete.
//!
//! Check your work from any folder of the repository: `cargo lab check lesson2`.
//! (Plain `cargo test` checks the reference solution, not this file.)

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
    ///
    /// Returns the text of every character the bytes so far complete, with U+FFFD for each bad
    /// sequence among them, and keeps the start of a cut character for the next piece.
    pub fn decode(&mut self, piece: &[u8]) -> String {
        // TODO: decode `self.pending` followed by `piece`. `str::from_utf8` tells you how far the
        // bytes are valid (`valid_up_to()`), and whether what follows could be the start of a
        // character cut by the end of the bytes (`error_len()`). Keep only such a start; replace
        // anything else that is not valid, and go on decoding after it.
        todo!()
    }

    /// Ends the stream, and returns what is left: nothing if the stream ended between two
    /// characters, and one U+FFFD if it ended inside one.
    pub fn finish(self) -> String {
        // TODO: what do the bytes kept in `self.pending` become?
        todo!()
    }
}
