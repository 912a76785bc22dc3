//! Lesson 4: login and JSON dispatch.
//!
//! - [`home`]: a user's home directory and a session's current directory, where every path a
//!   client names is resolved inside the home or refused.

pub mod home;
