package web

import (
	"strconv"
	"strings"
	"testing"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/locale"
)

// Keys built at run time from data (not literal in a template) exist in
// every catalog too.
func TestDynamicKeysExist(t *testing.T) {
	var keys []string
	for _, v := range spiker.JenisKekerasan {
		keys = append(keys, "violence."+v)
	}
	for _, v := range spiker.HubunganPelaku {
		keys = append(keys, "rel."+v)
	}
	for _, v := range spiker.JenisKelamin {
		keys = append(keys, "sex."+v)
	}
	for _, v := range spiker.ContactChannels {
		keys = append(keys, "channel."+v)
	}
	for _, v := range spiker.ReporterRoles {
		keys = append(keys, "role."+string(v))
	}
	for _, v := range []string{spiker.FromReporter, spiker.FromStaff} {
		keys = append(keys, "from."+v)
	}
	for _, v := range []string{spiker.MessageReply, spiker.MessageInfo, spiker.MessageMeeting} {
		keys = append(keys, "kind."+v)
	}
	for _, v := range []string{spiker.ConsentByVictim, spiker.ConsentByGuardian, spiker.ConsentOverride} {
		keys = append(keys, "rec.consent."+v)
	}
	for k := range spiker.EntryCategories {
		keys = append(keys, "case.kind."+k)
	}
	for code := range statusByCode {
		keys = append(keys, "error."+code)
	}
	for _, st := range []spiker.ReportStatus{spiker.ReportNew, spiker.ReportCase, spiker.ReportClosed} {
		keys = append(keys, st.TextKey())
	}
	for _, o := range []spiker.TelegramOutcome{spiker.TelegramHelp, spiker.TelegramLinked, spiker.TelegramWrongCode, spiker.TelegramThrottled} {
		keys = append(keys, "telegram.reply."+string(o))
	}
	for _, v := range spiker.CaseSteps {
		keys = append(keys, "case.step."+strings.ReplaceAll(v, " ", "_"))
	}
	for _, v := range []string{spiker.CaseOpen, spiker.CaseClosureRequested, spiker.CaseClosed} {
		keys = append(keys, "case.status."+strings.ReplaceAll(v, " ", "_"))
	}
	for _, o := range ampkOptions {
		keys = append(keys, o.Key)
	}
	for _, f := range (&spiker.CaseVictim{}).Fields() {
		keys = append(keys, "corr.field."+f[0])
	}
	for _, v := range spiker.Risiko {
		keys = append(keys, "risk."+v)
	}
	for _, v := range []string{spiker.GrantRequested, spiker.GrantApproved, spiker.GrantRefused, spiker.GrantUsed, spiker.GrantExpired} {
		keys = append(keys, "grant.status."+v)
	}
	for prefix, list := range map[string][]string{"protect.kind.": spiker.ProtectionOrderKinds, "protect.issuer.": spiker.ProtectionIssuers,
		"protect.status.": spiker.ProtectionOrderStatuses, "protect.payment.": spiker.RestitutionPayments} {
		for _, v := range list {
			keys = append(keys, prefix+v)
		}
	}
	for _, q := range spiker.RiskQuestions {
		keys = append(keys, "risk.q."+q.ID)
	}
	for _, f := range (spiker.SafetyPlan{}).Fields() {
		keys = append(keys, "plan."+f[0], "plan.hint."+f[0])
	}
	keys = append(keys, "alert.reason."+spiker.AlertProtectionEnding, "alert.reason."+spiker.AlertExportRequest, "alert.reason."+spiker.AlertCaseRiskTinggi)
	keys = append(keys, "alert.reason."+spiker.AlertMonthlyReport, "stats.err.month", "alert.open.monthly_report")
	keys = append(keys, "alert.reason."+spiker.AlertBackupFailed, "alert.open.backup")
	keys = append(keys, "alert.reason."+spiker.AlertRetentionEnding, "hold.err.reason", "retention.err.not_case", "retention.err.case", "retention.err.part",
		"retention.err.until", "retention.err.until_early", "retention.err.until_late", "retention.err.reason")
	for _, k := range retentionNames {
		keys = append(keys, "retention."+k, "retention."+k+"_hint")
	}
	for _, v := range spiker.JenisKasus {
		keys = append(keys, "jenis_kasus."+v)
	}
	for _, v := range spiker.Kewenangan {
		keys = append(keys, "kewenangan."+v)
	}
	for m := 1; m <= 12; m++ {
		keys = append(keys, "month."+strconv.Itoa(m), "month_short."+strconv.Itoa(m))
	}
	for _, lang := range locale.Languages() {
		for _, k := range keys {
			if locale.Get(lang)[k] == "" {
				t.Errorf("%s: no message for %q", lang, k)
			}
		}
	}
}
