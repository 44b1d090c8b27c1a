package spiker

import (
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
