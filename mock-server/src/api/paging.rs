//! Paging by cursor, as every WeCom list answers it: an opaque `cursor` names where a page starts (empty or
//! absent: the first), a forged or foreign one is refused as an invalid `cursor`, and `next_cursor` is empty
//! on the last page. One rule, so no list pages differently from another.

use wecom_wire::WireError;

use super::ApiError;
use crate::state::State as Shared;

/// Where the page `cursor` names starts.
pub fn start(st: &Shared, cursor: Option<&str>) -> Result<usize, ApiError> {
    match cursor.filter(|c| !c.is_empty()) {
        Some(c) => Ok(st
            .ids
            .cursor_pos(c)
            .ok_or_else(|| WireError::invalid_field("cursor"))? as usize),
        None => Ok(0),
    }
}

/// A page size: `default` when absent, refused as an invalid `field` outside 1..=`max`.
pub fn size(
    given: Option<i64>,
    (default, max): (usize, usize),
    field: &'static str,
) -> Result<usize, ApiError> {
    let n = given.unwrap_or(default as i64);
    if !(1..=max as i64).contains(&n) {
        return Err(WireError::invalid_field(field).into());
    }
    Ok(n as usize)
}

/// A page's start and size, the size checked first (as WeCom reports a bad `limit` before a bad `cursor`).
pub fn page(
    st: &Shared,
    cursor: Option<&str>,
    limit: Option<i64>,
    sizes: (usize, usize),
) -> Result<(usize, usize), ApiError> {
    let limit = size(limit, sizes, "limit")?;
    Ok((start(st, cursor)?, limit))
}

/// The cursor of the page after one that ends before `next`, empty when nothing of `total` is left.
pub fn next_cursor(st: &Shared, next: usize, total: usize) -> String {
    if next < total {
        st.ids.cursor(next as u64)
    } else {
        String::new()
    }
}
