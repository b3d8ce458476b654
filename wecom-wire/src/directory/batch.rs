//! The asynchronous imports (docs 90980 增量更新成员, 90981 全量覆盖成员, 90982 全量覆盖部门, 90983 获取异步任务结果):
//! requests, the CSV files they name (read by their header row, the columns of WeCom's templates), and the
//! job result.

use serde::{Deserialize, Serialize};

use super::edit::{DepartmentRaw, UserRaw};
use crate::{Errcode, WireError};

/// `batch/syncuser`, `batch/replaceuser`, `batch/replaceparty` as sent. The callback that would get
/// `batch_job_result` is read and not used.
#[derive(Debug, Default, Deserialize)]
pub struct BatchRequest {
    pub media_id: Option<String>,
    pub to_invite: Option<bool>,
    pub callback: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobType {
    SyncUser,
    ReplaceUser,
    ReplaceParty,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct JobCreated {
    pub jobid: String,
}

/// One row's outcome: a member's (`userid`) or a department's (`action` 1 created, 2 updated, `partyid`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum RowResult {
    User {
        userid: String,
        errcode: i64,
        errmsg: String,
    },
    Party {
        action: i64,
        partyid: i64,
        errcode: i64,
        errmsg: String,
    },
}

/// `batch/getresult`: `status` 1 waiting, 2 running, 3 done.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct JobResult {
    pub status: i64,
    #[serde(rename = "type")]
    pub kind: JobType,
    pub total: i64,
    pub percentage: i64,
    pub result: Vec<RowResult>,
}

pub const JOB_DONE: i64 = 3;

/// Rows of a CSV file: commas, `"…"` quoting with `""` for a quote, CRLF or LF, a UTF-8 BOM ignored.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = Vec::new();
    let (mut row, mut field) = (Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows.retain(|r| r.iter().any(|f| !f.trim().is_empty()));
    rows
}

fn bad_file() -> WireError {
    WireError::with_detail(
        Errcode::INVALID_PARAMETER,
        "invalid csv file. invalid Request Parameter",
    )
}

/// The header row's columns → a lookup by any of a column's names.
fn columns(header: &[String]) -> impl Fn(&[String], &[&str]) -> Option<String> + '_ {
    move |row: &[String], names: &[&str]| {
        let i = header.iter().position(|h| names.contains(&h.trim()))?;
        row.get(i).map(|v| v.trim().to_owned())
    }
}

/// The members of a user import. Columns are found by the template's names (姓名, 帐号, 手机号, 邮箱, 所在部门
/// with `;` between department ids, 职位, 性别 男/女, 别名, 座机); an empty cell leaves the field as it is.
pub fn user_rows(text: &str) -> Result<Vec<UserRaw>, WireError> {
    let rows = parse_csv(text);
    let (header, body) = rows.split_first().ok_or_else(bad_file)?;
    if !header
        .iter()
        .any(|h| ["帐号", "账号", "userid"].contains(&h.trim()))
    {
        return Err(bad_file());
    }
    let col = columns(header);
    let some = |v: Option<String>| v.filter(|s| !s.is_empty());
    body.iter()
        .map(|r| {
            let departments = some(col(r, &["所在部门", "部门"]))
                .map(|d| {
                    d.split(';')
                        .map(|x| x.trim().parse::<i64>().map_err(|_| bad_file()))
                        .collect()
                })
                .transpose()?;
            let gender = match some(col(r, &["性别"])).as_deref() {
                None => None,
                Some("男") | Some("1") => Some(1),
                Some("女") | Some("2") => Some(2),
                Some(_) => Some(-1),
            };
            Ok(UserRaw {
                userid: col(r, &["帐号", "账号", "userid"]),
                name: some(col(r, &["姓名"])),
                mobile: some(col(r, &["手机号", "手机"])),
                email: some(col(r, &["邮箱"])),
                department: departments,
                position: some(col(r, &["职位", "职务"])),
                gender,
                alias: some(col(r, &["别名", "英文名"])),
                telephone: some(col(r, &["座机"])),
                ..UserRaw::default()
            })
        })
        .collect()
}

/// The departments of `replaceparty`: 部门名称, 部门ID, 父部门ID, 排序.
pub fn party_rows(text: &str) -> Result<Vec<DepartmentRaw>, WireError> {
    let rows = parse_csv(text);
    let (header, body) = rows.split_first().ok_or_else(bad_file)?;
    let col = columns(header);
    let num = |r: &[String], names: &[&str]| -> Result<Option<i64>, WireError> {
        match col(r, names).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| bad_file()),
        }
    };
    if !header.iter().any(|h| h.trim() == "部门ID") {
        return Err(bad_file());
    }
    body.iter()
        .map(|r| {
            Ok(DepartmentRaw {
                id: num(r, &["部门ID"])?,
                name: col(r, &["部门名称"]),
                name_en: None,
                parentid: num(r, &["父部门ID"])?,
                order: num(r, &["排序"])?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_line_ends() {
        let rows = parse_csv("\u{feff}a,b\r\n\"x,1\",\"say \"\"hi\"\"\"\n\n");
        assert_eq!(rows, vec![vec!["a", "b"], vec!["x,1", "say \"hi\""]]);
    }

    #[test]
    fn user_rows_by_header() {
        let csv = "姓名,帐号,手机号,邮箱,所在部门,职位,性别\n周一,zhouyi,13900000001,,1;2,Dev,女\n";
        let rows = user_rows(csv).unwrap_or_default();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].userid.as_deref(), Some("zhouyi"));
        assert_eq!(rows[0].department, Some(vec![1, 2]));
        assert_eq!(rows[0].gender, Some(2));
        assert_eq!(rows[0].email, None);
        assert!(user_rows("name,mobile\nx,1\n").is_err(), "no userid column");
    }

    #[test]
    fn party_rows_by_header() {
        let rows = party_rows("部门名称,部门ID,父部门ID,排序\n研发,4,1,3\n").unwrap_or_default();
        assert_eq!(
            (rows[0].id, rows[0].parentid, rows[0].order),
            (Some(4), Some(1), Some(3))
        );
        assert!(party_rows("部门名称,部门ID\nx,y\n").is_err());
    }
}
