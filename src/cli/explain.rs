//! `slipway explain CODE`: the long explanation of a diagnostic code.

use super::status;
use slipway::Code;

pub fn run(code: Option<&str>) -> u8 {
    let Some(text) = code else {
        for code in Code::ALL {
            println!("{code}  {}", code.title());
        }
        return status::OK;
    };
    match Code::parse(text) {
        Some(code) => {
            print!("{}", code.explanation());
            status::OK
        }
        None => {
            eprintln!("error: `{text}` is not a Slipway diagnostic code; `slipway explain` lists them all");
            status::USAGE
        }
    }
}
