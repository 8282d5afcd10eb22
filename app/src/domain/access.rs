//! Who may do what, and where: roles, the signed-in principal, and the one
//! policy function every server function and route asks.
//!
//! Pure data and rules, no web or database types, so the whole matrix of
//! roles × scopes is unit-tested here and the web layer only has to ask
//! [`Principal::may`] before it reads anything.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A user's role. A user has exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the installation: every municipality, accounts, the catalog.
    Admin,
    /// Regional office (e.g. a security cooperation): reads every
    /// municipality of its region, to compare them.
    Regional,
    /// Municipal CTC coordinator: everything about the own municipality.
    Coordinator,
    /// Contact person of one school: that school's participation, never
    /// results.
    SchoolContact,
    /// CTC trainer: reads the profiles of the municipalities they support
    /// and plans programs with them.
    Trainer,
}

impl Role {
    /// Every role, in the order the UI lists them.
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Regional,
        Role::Coordinator,
        Role::SchoolContact,
        Role::Trainer,
    ];

    /// The spelling in the database and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Regional => "regional",
            Role::Coordinator => "coordinator",
            Role::SchoolContact => "school_contact",
            Role::Trainer => "trainer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of [`Role::ALL`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown role \"{0}\" (expected admin, regional, coordinator, school_contact or trainer)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == value)
            .ok_or_else(|| UnknownRole(value.to_string()))
    }
}

/// The signed-in user as the policy sees them: role plus the scope the role
/// is tied to. Which fields matter depends on the role (a coordinator's
/// municipality, a school contact's school, a trainer's municipalities).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// Database id of the user.
    pub user_id: i64,
    /// Shown in the header; never an e-mail address.
    pub display_name: String,
    /// The role.
    pub role: Role,
    /// Region of a regional office.
    pub region_id: Option<i64>,
    /// Municipality of a coordinator.
    pub municipality_id: Option<i64>,
    /// School of a school contact.
    pub school_id: Option<i64>,
    /// Municipalities a trainer supports.
    pub supported_municipalities: Vec<i64>,
}

/// What is being done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read factor profiles, comparisons, trends, outcomes and their CSVs.
    ViewResults,
    /// Read participation (codes issued / started / finished) of a school or
    /// of the whole municipality.
    ViewParticipation,
    /// Read the data-quality panel (exclusions, reliability).
    ViewQuality,
    /// Record the board's priority factors.
    EditPriorities,
    /// Set up waves, schools, classes and codes.
    ManageSurvey,
    /// Plan programs: matching, resource inventory, action plan.
    PlanPrograms,
    /// Import the municipality's context indicators and set its
    /// early-warning thresholds.
    ManageContextData,
    /// Edit the program catalog and accounts (installation-wide).
    Administer,
}

/// Where it is done: the municipality (with its region) and, for
/// participation, optionally one school.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scope {
    /// The municipality the data belongs to.
    pub municipality_id: i64,
    /// The municipality's region, if it has one.
    pub region_id: Option<i64>,
    /// The school, when the thing asked for is one school's.
    pub school_id: Option<i64>,
}

impl Scope {
    /// A municipality-wide scope.
    pub fn municipality(municipality_id: i64, region_id: Option<i64>) -> Scope {
        Scope {
            municipality_id,
            region_id,
            school_id: None,
        }
    }

    /// One school's scope within its municipality.
    pub fn school(self, school_id: i64) -> Scope {
        Scope {
            school_id: Some(school_id),
            ..self
        }
    }
}

impl Principal {
    /// Whether this principal may do `action` in `scope`. The single place
    /// the access rules live; everything on the server asks here.
    pub fn may(&self, action: Action, scope: &Scope) -> bool {
        let own_municipality = self.municipality_id == Some(scope.municipality_id);
        let in_region = self.region_id.is_some() && self.region_id == scope.region_id;
        let supported = self
            .supported_municipalities
            .contains(&scope.municipality_id);
        match self.role {
            Role::Admin => true,
            Role::Regional => {
                in_region
                    && matches!(
                        action,
                        Action::ViewResults | Action::ViewParticipation | Action::ViewQuality
                    )
            }
            Role::Coordinator => own_municipality && action != Action::Administer,
            // A school contact sees one school's participation and nothing
            // else: results could identify pupils of a small school.
            Role::SchoolContact => {
                action == Action::ViewParticipation
                    && scope.school_id.is_some()
                    && scope.school_id == self.school_id
                    && own_municipality
            }
            Role::Trainer => {
                supported && matches!(action, Action::ViewResults | Action::PlanPrograms)
            }
        }
    }

    /// Whether the principal may see results of some municipality at all
    /// (decides which navigation entries exist).
    pub fn sees_results(&self) -> bool {
        self.role != Role::SchoolContact
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWN: i64 = 1;
    const OTHER: i64 = 2;
    const REGION: i64 = 10;
    const OTHER_REGION: i64 = 20;
    const SCHOOL: i64 = 100;
    const OTHER_SCHOOL: i64 = 101;

    fn principal(role: Role) -> Principal {
        Principal {
            user_id: 7,
            display_name: "Test".into(),
            role,
            region_id: (role == Role::Regional).then_some(REGION),
            municipality_id: matches!(role, Role::Coordinator | Role::SchoolContact).then_some(OWN),
            school_id: (role == Role::SchoolContact).then_some(SCHOOL),
            supported_municipalities: if role == Role::Trainer {
                vec![OWN]
            } else {
                vec![]
            },
        }
    }

    const ACTIONS: [Action; 8] = [
        Action::ViewResults,
        Action::ViewParticipation,
        Action::ViewQuality,
        Action::EditPriorities,
        Action::ManageSurvey,
        Action::PlanPrograms,
        Action::ManageContextData,
        Action::Administer,
    ];

    /// The whole matrix, written out so a change to a rule must change this
    /// table too: (role, action, own municipality in own region, own school)
    /// → allowed.
    #[test]
    fn every_role_against_its_own_scope() {
        use Action::*;
        let expected: &[(Role, &[Action])] = &[
            (Role::Admin, &ACTIONS),
            (
                Role::Regional,
                &[ViewResults, ViewParticipation, ViewQuality],
            ),
            (
                Role::Coordinator,
                &[
                    ViewResults,
                    ViewParticipation,
                    ViewQuality,
                    EditPriorities,
                    ManageSurvey,
                    PlanPrograms,
                    ManageContextData,
                ],
            ),
            (Role::SchoolContact, &[ViewParticipation]),
            (Role::Trainer, &[ViewResults, PlanPrograms]),
        ];
        let own_school = Scope::municipality(OWN, Some(REGION)).school(SCHOOL);
        for (role, allowed) in expected {
            let p = principal(*role);
            for action in ACTIONS {
                assert_eq!(
                    p.may(action, &own_school),
                    allowed.contains(&action),
                    "{role} {action:?}"
                );
            }
        }
    }

    #[test]
    fn nobody_but_the_admin_reaches_another_municipality_outside_their_region() {
        let foreign = Scope::municipality(OTHER, Some(OTHER_REGION));
        for role in Role::ALL {
            let p = principal(role);
            for action in ACTIONS {
                assert_eq!(
                    p.may(action, &foreign),
                    role == Role::Admin,
                    "{role} {action:?}"
                );
                assert_eq!(
                    p.may(action, &foreign.school(OTHER_SCHOOL)),
                    role == Role::Admin,
                    "{role} {action:?}"
                );
            }
        }
    }

    #[test]
    fn regional_staff_read_every_municipality_of_their_region_only() {
        let p = principal(Role::Regional);
        let neighbour = Scope::municipality(OTHER, Some(REGION));
        assert!(p.may(Action::ViewResults, &neighbour));
        assert!(!p.may(Action::EditPriorities, &neighbour));
        // A municipality without a region is outside every region.
        assert!(!p.may(Action::ViewResults, &Scope::municipality(OTHER, None)));
        // A regional account without a region sees nothing.
        let unassigned = Principal {
            region_id: None,
            ..principal(Role::Regional)
        };
        assert!(!unassigned.may(Action::ViewResults, &Scope::municipality(OWN, None)));
    }

    #[test]
    fn a_school_contact_sees_only_the_own_schools_participation() {
        let p = principal(Role::SchoolContact);
        let municipality = Scope::municipality(OWN, Some(REGION));
        assert!(p.may(Action::ViewParticipation, &municipality.school(SCHOOL)));
        assert!(!p.may(
            Action::ViewParticipation,
            &municipality.school(OTHER_SCHOOL)
        ));
        // Not the municipality-wide list, and never results.
        assert!(!p.may(Action::ViewParticipation, &municipality));
        assert!(!p.may(Action::ViewResults, &municipality.school(SCHOOL)));
        assert!(!p.sees_results());
    }

    #[test]
    fn trainers_read_only_supported_municipalities() {
        let p = principal(Role::Trainer);
        assert!(p.may(Action::ViewResults, &Scope::municipality(OWN, None)));
        assert!(!p.may(
            Action::ViewResults,
            &Scope::municipality(OTHER, Some(REGION))
        ));
        assert!(!p.may(Action::ViewQuality, &Scope::municipality(OWN, None)));
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert_eq!(
            "superuser".parse::<Role>(),
            Err(UnknownRole("superuser".into()))
        );
    }
}
