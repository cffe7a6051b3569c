//! E-mail templates: offline rendering ([`render`]) and storage per project ([`store`]).

pub mod delta;
pub mod render;
pub mod send;
pub mod store;
