//! The `istio` target (being written).

use super::{Options, Output};
use crate::check::model::Model;

pub fn emit(_model: &Model, _options: &Options, _output: &mut Output) {}
