//! Roles and the authorization questions asked of a caller, in one place (R-SEC1).
//!
//! Customer-side callers are bound to one customer number and see only that company's data;
//! provider-side callers see all customers. A resource of another company is reported as absent
//! (404) by the API, so these questions answer "visible or not", never "forbidden".

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{CustomerNumber, DomainError};

/// The roles of product.md, from a customer's person to the platform admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    CustomerUser,
    CustomerAdmin,
    Agent,
    IncidentManager,
    ChangeManager,
    Admin,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::CustomerUser,
        Role::CustomerAdmin,
        Role::Agent,
        Role::IncidentManager,
        Role::ChangeManager,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::CustomerUser => "customer_user",
            Role::CustomerAdmin => "customer_admin",
            Role::Agent => "agent",
            Role::IncidentManager => "incident_manager",
            Role::ChangeManager => "change_manager",
            Role::Admin => "admin",
        }
    }

    /// Customer-side roles belong to exactly one customer company.
    pub fn is_customer_side(self) -> bool {
        matches!(self, Role::CustomerUser | Role::CustomerAdmin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| DomainError::invalid("role", format!("unknown role '{s}'")))
    }
}

/// Who is calling: an authenticated user or API client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Stable subject: `user:<id>` or `client:<client_id>`.
    pub subject: String,
    pub role: Role,
    /// Set for customer-side roles, absent for provider staff.
    pub customer_number: Option<CustomerNumber>,
}

impl Caller {
    /// Builds a caller, refusing role/customer combinations that cannot exist.
    pub fn new(
        subject: impl Into<String>,
        role: Role,
        customer_number: Option<CustomerNumber>,
    ) -> Result<Self, DomainError> {
        check_role_binding(role, customer_number.as_ref())?;
        Ok(Self {
            subject: subject.into(),
            role,
            customer_number,
        })
    }

    /// The one company a customer-side caller is confined to; `None` means every company.
    pub fn tenant_scope(&self) -> Option<&CustomerNumber> {
        if self.role.is_customer_side() {
            self.customer_number.as_ref()
        } else {
            None
        }
    }

    /// May this caller see data owned by `owner`? (Otherwise the API answers 404.)
    pub fn can_see_customer(&self, owner: &CustomerNumber) -> bool {
        self.tenant_scope().is_none_or(|own| own == owner)
    }

    /// Whether the caller's role has `permission` (the policy table in [`crate::policy`]).
    pub fn may(&self, permission: crate::Permission) -> bool {
        permission.granted_to(self.role)
    }
}

/// Customer-side roles need a customer number; provider roles must not carry one.
pub fn check_role_binding(
    role: Role,
    customer: Option<&CustomerNumber>,
) -> Result<(), DomainError> {
    match (role.is_customer_side(), customer.is_some()) {
        (true, false) => Err(DomainError::invalid(
            "customer_number",
            format!("role {role} requires a customer_number"),
        )),
        (false, true) => Err(DomainError::invalid(
            "customer_number",
            format!("role {role} is provider staff and cannot belong to a customer"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ocn(s: &str) -> CustomerNumber {
        CustomerNumber::parse(s).unwrap()
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn customer_roles_need_a_company_and_staff_roles_refuse_one() {
        assert!(Caller::new("u", Role::CustomerUser, None).is_err());
        assert!(Caller::new("u", Role::Agent, Some(ocn("OCN-1"))).is_err());
        assert!(Caller::new("u", Role::Agent, None).is_ok());
        assert!(Caller::new("u", Role::CustomerAdmin, Some(ocn("OCN-1"))).is_ok());
    }

    #[test]
    fn customer_sees_only_own_company_staff_sees_all() {
        let customer = Caller::new("u", Role::CustomerUser, Some(ocn("OCN-1"))).unwrap();
        assert!(customer.can_see_customer(&ocn("OCN-1")));
        assert!(!customer.can_see_customer(&ocn("OCN-2")));
        for role in [
            Role::Agent,
            Role::IncidentManager,
            Role::ChangeManager,
            Role::Admin,
        ] {
            let staff = Caller::new("s", role, None).unwrap();
            assert!(staff.can_see_customer(&ocn("OCN-2")), "{role}");
            assert_eq!(staff.tenant_scope(), None);
        }
    }
}
