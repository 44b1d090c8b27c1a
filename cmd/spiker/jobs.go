package main

import (
	"context"
	"time"

	"github.com/spikerperak/spiker/internal/jobs"
	"github.com/spikerperak/spiker/internal/store"
)

// longJobMaxRun is how long the jobs whose work grows with the database
// (the scheduled backup's VACUUM INTO, the retention purge) may run, their
// lease renewed meanwhile; other jobs get half a lease. A ceiling, so that
// a hung copy does not hold its claim for ever.
const longJobMaxRun = 6 * time.Hour

// newJobs makes the runner of the durable jobs: alerts, their escalation,
// time-limit clocks, deliveries, the files of WhatsApp messages, the daily
// audit anchor, the prune of operational data and the scheduled backup. It
// is made before the listeners open, since a request may wake it.
func (m *Main) newJobs() *jobs.Runner {
	r := &jobs.Runner{Queue: m.Store, Logger: m.Logger, Lease: m.Config.JobLease,
		MaxRun: map[string]time.Duration{jobBackup: longJobMaxRun, store.JobRetention: longJobMaxRun}}
	for kind, h := range m.Store.JobHandlers() {
		r.Handle(kind, timedJob(kind, h))
	}
	r.Handle(store.JobDeliver, timedJob(store.JobDeliver, m.Notify.Deliver))
	r.Handle(store.JobWhatsAppMedia, timedJob(store.JobWhatsAppMedia, m.Notify.FetchWhatsAppMedia))
	r.Handle(jobBackup, timedJob(jobBackup, m.backupJob))
	return r
}

// startJobs runs m.Jobs in the background until Close.
func (m *Main) startJobs() {
	r := m.Jobs
	if err := m.Store.ScheduleJobs(context.Background()); err != nil {
		m.Logger.Error("scheduling the recurring jobs", "err", err)
	}
	if err := m.scheduleBackup(context.Background()); err != nil {
		m.Logger.Error("scheduling the daily backup", "err", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := r.Run(ctx); err != nil {
			m.Logger.Error("job runner", "err", err)
		}
	}()
	m.stopJobs = func() {
		cancel()
		<-done
	}
}

// staffURL is the back office's address for links in alerts.
func (m *Main) staffURL() string {
	if m.Config.StaffURL != "" {
		return m.Config.StaffURL
	}
	return "http://" + m.StaffAddr()
}

// passkeyURL is the address passkeys are bound to: the back office's
// (--staff-url), or the public portal's (--public-url) when the back office
// shares its listener. Empty: passkeys work only on localhost.
func (m *Main) passkeyURL() string {
	if m.Config.StaffURL != "" {
		return m.Config.StaffURL
	}
	if m.Config.StaffAddr == "" {
		return m.Config.PublicURL
	}
	return ""
}
