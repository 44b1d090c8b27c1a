package store

import "github.com/spikerperak/spiker"

// Services returns the application's services over this store, one per
// aggregate. It is the one place they are built.
func (s *Store) Services() spiker.Services {
	return spiker.Services{
		Reports:    reports{ReportService{Store: s}, FollowupService{Store: s, Reports: ReportService{Store: s}}, DuplicateService{Store: s}},
		Cases:      CaseService{Store: s},
		Network:    NetworkService{Store: s},
		Duty:       DutyService{Store: s},
		Users:      users{UserService{Store: s}, TelegramService{Store: s}},
		Statistics: StatsService{Store: s},
		Audit:      AuditService{Store: s},
	}
}

// reports is the Reports aggregate: intake and the inbox, the reporter's
// follow-up, and the duplicate hints, which live in their own files.
type reports struct {
	ReportService
	FollowupService
	DuplicateService
}

// users is the Users aggregate: the accounts, and their chats' links to the
// office bot.
type users struct {
	UserService
	TelegramService
}
