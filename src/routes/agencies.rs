//! Public pages of the agencies (单位): the list of them, and each one's consultations.

use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use chrono::Utc;

use crate::db;
use crate::domain::ids::AgencyId;
use crate::domain::listing::{ListFilter, ListQuery};
use crate::error::AppError;
use crate::models::agency::Agency;
use crate::routes::listing::ListView;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "agencies/list.html")]
struct ListPage {
    agencies: Vec<Agency>,
}

#[get("/agencies")]
pub async fn index(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let agencies = db::run(&state.pool, |conn| Ok(Agency::list(conn)?)).await?;
    crate::routes::render(&ListPage { agencies })
}

#[derive(Template)]
#[template(path = "agencies/show.html")]
struct ShowPage {
    agency: Agency,
    parent: Option<Agency>,
    list: ListView,
}

/// An agency's own page: its details and its published consultations, with the same
/// paging, filters and search as the home page.
#[get("/agencies/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<AgencyId>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let mut filter = ListFilter::from(query.into_inner());
    filter.agency = None;
    let base = format!("/agencies/{id}");
    let key = format!("{base}{}", filter.query_string());
    if let Some(hit) = state.pages.get(&key) {
        return Ok(hit.respond(&req));
    }
    let (agency, parent) = db::run(&state.pool, move |conn| {
        let agency = Agency::find(conn, id)?;
        let parent = match agency.parent_id {
            Some(p) => Some(Agency::find(conn, p)?),
            None => None,
        };
        Ok((agency, parent))
    })
    .await?;
    let list = ListView::load(&state, &base, filter, Some(id), Utc::now()).await?;
    Ok(state.pages.put(&key, ShowPage { agency, parent, list }.render()?).respond(&req))
}
