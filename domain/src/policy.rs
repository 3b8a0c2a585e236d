//! Who may do what: every permission of the product and the one table granting them by role
//! (R-SEC1).
//!
//! A permission is asked twice: by the API before it reads a request's body (a caller whose role
//! never has the permission gets 403 whatever it sends, so field rules are not disclosed to
//! callers without the right), and by the use case, together with the resource it touches (a
//! customer reaches only its own company's data, which the API reports as absent: 404).

use std::fmt;

use crate::access::{Caller, Role};
use crate::{CustomerNumber, DomainError};

/// Everything a caller may be allowed to do beyond reading what its tenancy shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Register and change customers and their services (the inventory).
    ManageInventory,
    /// Create, list and change user accounts and API clients; approve registrations.
    ManageAccounts,
    /// Add, change and remove the contacts who receive notices.
    ManageContacts,
    /// Subscribe and manage webhooks and TMF621 hub listeners, and see their deliveries.
    ManageWebhooks,
    /// Write help articles.
    WriteHelp,
    /// Replace the five-level escalation matrix.
    EditEscalationMatrix,
    /// Raise a ticket (customers on their own services, the desk on anyone's).
    RaiseIncident,
    /// Take part in a ticket as its customer or the desk: close, reopen, write updates, escalate,
    /// request RFOs and incident reports.
    FollowIncident,
    /// Work tickets as the service desk: move them through the lifecycle, assign, reprioritise,
    /// write internal notes, produce RFOs and incident reports.
    WorkIncidents,
    /// Raise, update, resolve major network incidents and link tickets to them.
    ManageMajorIncidents,
    /// Propose, schedule, start, complete and cancel planned works; decide maintenance requests.
    ManageChanges,
    /// File and withdraw the company's own maintenance requests.
    RequestMaintenance,
}

impl Permission {
    pub const ALL: [Permission; 12] = [
        Permission::ManageInventory,
        Permission::ManageAccounts,
        Permission::ManageContacts,
        Permission::ManageWebhooks,
        Permission::WriteHelp,
        Permission::EditEscalationMatrix,
        Permission::RaiseIncident,
        Permission::FollowIncident,
        Permission::WorkIncidents,
        Permission::ManageMajorIncidents,
        Permission::ManageChanges,
        Permission::RequestMaintenance,
    ];

    /// The policy table: whether `role` has this permission.
    pub fn granted_to(self, role: Role) -> bool {
        use Role::*;
        match self {
            Permission::ManageInventory
            | Permission::WriteHelp
            | Permission::EditEscalationMatrix => role == Admin,
            Permission::ManageAccounts
            | Permission::ManageContacts
            | Permission::ManageWebhooks => {
                matches!(role, CustomerAdmin | Admin)
            }
            Permission::RaiseIncident | Permission::FollowIncident => role != ChangeManager,
            Permission::WorkIncidents | Permission::ManageMajorIncidents => {
                matches!(role, Agent | IncidentManager | Admin)
            }
            Permission::ManageChanges => matches!(role, ChangeManager | Admin),
            Permission::RequestMaintenance => role.is_customer_side(),
        }
    }

    /// Who has it, in words, for the 403 a caller without it gets.
    pub fn holders(self) -> &'static str {
        match self {
            Permission::ManageInventory => "customers and services are managed by admins",
            Permission::ManageAccounts => "accounts are managed by customer admins and admins",
            Permission::ManageContacts => "contacts are managed by customer admins and admins",
            Permission::ManageWebhooks => "webhooks are managed by customer admins and admins",
            Permission::WriteHelp => "help articles are written by admins",
            Permission::EditEscalationMatrix => "only admins edit the escalation matrix",
            Permission::RaiseIncident => "incidents are raised by customers and the service desk",
            Permission::FollowIncident => {
                "tickets are followed by their customer and the service desk"
            }
            Permission::WorkIncidents => "only the service desk works tickets",
            Permission::ManageMajorIncidents => "major incidents are managed by the service desk",
            Permission::ManageChanges => {
                "planned works and maintenance requests are handled by change managers"
            }
            Permission::RequestMaintenance => {
                "maintenance requests are filed and withdrawn by customers"
            }
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ManageInventory => "manage_inventory",
            Permission::ManageAccounts => "manage_accounts",
            Permission::ManageContacts => "manage_contacts",
            Permission::ManageWebhooks => "manage_webhooks",
            Permission::WriteHelp => "write_help",
            Permission::EditEscalationMatrix => "edit_escalation_matrix",
            Permission::RaiseIncident => "raise_incident",
            Permission::FollowIncident => "follow_incident",
            Permission::WorkIncidents => "work_incidents",
            Permission::ManageMajorIncidents => "manage_major_incidents",
            Permission::ManageChanges => "manage_changes",
            Permission::RequestMaintenance => "request_maintenance",
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a permission is asked about: anything, or data owned by one company.
#[derive(Debug, Clone, Copy)]
pub enum Resource<'a> {
    Any,
    OwnedBy(&'a CustomerNumber),
}

/// Whether `caller` may use `permission` on `resource`: its role has the permission and, for a
/// customer-side caller, the resource is its own company's.
pub fn allows(caller: &Caller, permission: Permission, resource: Resource<'_>) -> bool {
    permission.granted_to(caller.role)
        && match resource {
            Resource::Any => true,
            Resource::OwnedBy(owner) => caller.can_see_customer(owner),
        }
}

/// [`allows`] as a check: a refusal names who holds the permission (HTTP 403).
pub fn require(caller: &Caller, permission: Permission) -> Result<(), DomainError> {
    if allows(caller, permission, Resource::Any) {
        Ok(())
    } else {
        Err(DomainError::Forbidden(permission.holders().to_owned()))
    }
}

/// Account creation: admins create any account; customer admins only customer-side accounts
/// of their own company.
pub fn may_create_account(
    caller: &Caller,
    role: Role,
    customer: Option<&CustomerNumber>,
) -> Result<(), DomainError> {
    require(caller, Permission::ManageAccounts)?;
    let allowed = match caller.role {
        Role::Admin => true,
        _ => role.is_customer_side() && customer.is_some_and(|c| caller.can_see_customer(c)),
    };
    if allowed {
        Ok(())
    } else {
        Err(DomainError::Forbidden(
            "customer admins create customer_user or customer_admin accounts of their own company only"
                .into(),
        ))
    }
}

/// Re-roling an account: customer admins hand out customer-side roles only.
pub fn may_assign_role(caller: &Caller, role: Role) -> Result<(), DomainError> {
    require(caller, Permission::ManageAccounts)?;
    if caller.role == Role::Admin || role.is_customer_side() {
        Ok(())
    } else {
        Err(DomainError::Forbidden(
            "customer admins assign customer roles only".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(role: Role) -> Caller {
        let customer = role
            .is_customer_side()
            .then(|| CustomerNumber::parse("OCN-1").unwrap());
        Caller::new("x", role, customer).unwrap()
    }

    #[test]
    fn the_table_as_the_product_states_it() {
        use Permission::*;
        use Role::*;
        let expected: &[(Permission, &[Role])] = &[
            (ManageInventory, &[Admin]),
            (ManageAccounts, &[CustomerAdmin, Admin]),
            (ManageContacts, &[CustomerAdmin, Admin]),
            (ManageWebhooks, &[CustomerAdmin, Admin]),
            (WriteHelp, &[Admin]),
            (EditEscalationMatrix, &[Admin]),
            (
                RaiseIncident,
                &[CustomerUser, CustomerAdmin, Agent, IncidentManager, Admin],
            ),
            (
                FollowIncident,
                &[CustomerUser, CustomerAdmin, Agent, IncidentManager, Admin],
            ),
            (WorkIncidents, &[Agent, IncidentManager, Admin]),
            (ManageMajorIncidents, &[Agent, IncidentManager, Admin]),
            (ManageChanges, &[ChangeManager, Admin]),
            (RequestMaintenance, &[CustomerUser, CustomerAdmin]),
        ];
        assert_eq!(expected.len(), Permission::ALL.len());
        for (permission, holders) in expected {
            for role in Role::ALL {
                assert_eq!(
                    permission.granted_to(role),
                    holders.contains(&role),
                    "{permission} for {role}"
                );
            }
        }
    }

    #[test]
    fn resources_of_another_company_are_not_allowed_to_customers() {
        let own = CustomerNumber::parse("OCN-1").unwrap();
        let other = CustomerNumber::parse("OCN-2").unwrap();
        let customer = caller(Role::CustomerUser);
        assert!(allows(
            &customer,
            Permission::RaiseIncident,
            Resource::OwnedBy(&own)
        ));
        assert!(!allows(
            &customer,
            Permission::RaiseIncident,
            Resource::OwnedBy(&other)
        ));
        let agent = caller(Role::Agent);
        assert!(allows(
            &agent,
            Permission::RaiseIncident,
            Resource::OwnedBy(&other)
        ));
        assert!(!allows(&agent, Permission::ManageChanges, Resource::Any));
    }

    #[test]
    fn account_rules() {
        let own = CustomerNumber::parse("OCN-1").unwrap();
        let other = CustomerNumber::parse("OCN-2").unwrap();
        let admin = caller(Role::Admin);
        let cadmin = caller(Role::CustomerAdmin);
        let cuser = caller(Role::CustomerUser);
        assert!(may_create_account(&admin, Role::Agent, None).is_ok());
        assert!(may_create_account(&cadmin, Role::CustomerUser, Some(&own)).is_ok());
        assert!(may_create_account(&cadmin, Role::CustomerAdmin, Some(&own)).is_ok());
        assert!(may_create_account(&cadmin, Role::CustomerUser, Some(&other)).is_err());
        assert!(may_create_account(&cadmin, Role::Agent, None).is_err());
        assert!(may_create_account(&cadmin, Role::Admin, Some(&own)).is_err());
        assert!(may_create_account(&cuser, Role::CustomerUser, Some(&own)).is_err());
        assert!(may_assign_role(&cadmin, Role::CustomerAdmin).is_ok());
        assert!(may_assign_role(&cadmin, Role::Agent).is_err());
        assert!(may_assign_role(&admin, Role::Agent).is_ok());
        assert!(may_assign_role(&cuser, Role::CustomerUser).is_err());
    }
}
