package store

import (
	"context"
	"fmt"

	"github.com/spikerperak/spiker"
)

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
		Retention:  RetentionService{Store: s},
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

// JobHandlers are the store's own durable jobs by kind: alerts, their
// escalation, the time-limit clocks, the daily audit anchor and the prune
// of operational data. The runner takes them with the channels' jobs.
func (s *Store) JobHandlers() map[string]func(context.Context, spiker.Job) error {
	duty := DutyService{Store: s}
	return map[string]func(context.Context, spiker.Job) error{
		JobAlertRaise:       duty.RaiseAlert,
		JobAlertEscalate:    duty.EscalateAlert,
		JobClockCheck:       duty.CheckClock,
		JobAuditAnchor:      AuditService{Store: s}.DailyAnchor,
		JobPrune:            s.PruneJob,
		JobRetention:        s.RetentionJob,
		JobSubmissionsPurge: s.legacyPurge,
		JobMonthlyReport:    s.MonthlyReportJob,
	}
}

// ScheduleJobs makes sure the recurring jobs (the daily audit anchor, the
// prune of operational data) are queued; several nodes may call it.
func (s *Store) ScheduleJobs(ctx context.Context) error {
	if err := (AuditService{Store: s}).ScheduleAnchors(ctx); err != nil {
		return fmt.Errorf("scheduling the daily audit anchor: %w", err)
	}
	if err := s.SchedulePrune(ctx); err != nil {
		return fmt.Errorf("scheduling the prune of operational data: %w", err)
	}
	if err := s.ScheduleRetention(ctx); err != nil {
		return fmt.Errorf("scheduling the daily retention purge: %w", err)
	}
	if err := s.ScheduleMonthlyReport(ctx); err != nil {
		return fmt.Errorf("scheduling the monthly report: %w", err)
	}
	return nil
}
