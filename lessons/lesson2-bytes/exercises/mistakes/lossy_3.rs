//! Lesson 2, exercise `lossy`, planted mistake 3: each piece decoded on its own.
//!
//! It hands every piece to `String::from_utf8_lossy` as it comes. That is right for a piece of
//! whole characters, and wrong whenever a read ends inside a character: the two halves are each
//! a bad sequence, and one character becomes two U+FFFD. Nothing is kept between pieces, so
//! nothing can be completed.

#[derive(Debug, Default, Clone)]
pub struct LossyDecoder {
    pending: Vec<u8>,
}

impl LossyDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn decode(&mut self, piece: &[u8]) -> String {
        // The mistake: the piece is decoded as if it ended between two characters.
        String::from_utf8_lossy(piece).into_owned()
    }

    pub fn finish(self) -> String {
        String::from_utf8_lossy(&self.pending).into_owned()
    }
}
