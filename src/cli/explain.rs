//! `slipway explain CODE`: the long explanation of a diagnostic code. An unknown code is a
//! usage error reported while the arguments are parsed (see `values::CodeParser`).

use super::status;
use slipway::Code;

pub fn run(code: Option<Code>) -> u8 {
    match code {
        Some(code) => print!("{}", code.explanation()),
        None => {
            for code in Code::ALL {
                println!("{code}  {}", code.title());
            }
        }
    }
    status::OK
}
