package spiker

import (
	"context"
	"time"
)

// TeamMember is one person holding a personal grant to a case, as the
// team list shows them.
type TeamMember struct {
	UserID     int64
	Username   string
	Roles      []Role
	RegionCode string
	// Manager marks the case manager (manajer kasus) of the case;
	// CanManage, a member who may be named it (one who works cases here).
	Manager, CanManage bool
	// Until is the end of a break-glass opening; zero for a lasting grant.
	Until time.Time
}

// CaseTeamService manages who is on a case. Adding and removing members and
// naming the case manager take PermCaseAssign and the case key.
type CaseTeamService interface {
	// CaseTeam lists the members whose grant has not expired.
	CaseTeam(ctx context.Context, actor *Actor, caseID string) ([]TeamMember, error)
	// EligibleMembers lists the colleagues who may be added: enrolled,
	// not disabled, a role that works cases (PermCaseWrite), a region that
	// covers the case's, and not on the team already.
	EligibleMembers(ctx context.Context, actor *Actor, caseID string) ([]TeamMember, error)
	// RemoveMember takes a member off the case and re-keys it: every
	// column sealed under the case key is sealed again under a new key,
	// granted anew to the remaining holders only, so the removed member's
	// old key opens nothing written afterwards. The reason is audited.
	RemoveMember(ctx context.Context, actor *Actor, caseID string, userID int64, reason string) error
	// SetManager names a team member the case manager.
	SetManager(ctx context.Context, actor *Actor, caseID string, userID int64) error
}
