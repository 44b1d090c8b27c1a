package store

import (
	"crypto/rand"
	"sync"
	"time"

	"github.com/spikerperak/spiker/internal/vault"
)

// whatsappThreads finds the open report a WhatsApp number started, so a
// later message joins it. The webhook has no holder's key, and anything it
// could compute from a number with the database and the secret file, so
// could someone holding both, trying every number of a prefix. So the
// threads live in memory only, under a key drawn when the program starts:
// neither the database nor the secret file can give a number back. After a
// restart a thread is found again once a holder reads its report; until
// then a new message from the number opens a new report, which the
// duplicate hint (same number as report X) ties to the old one.
type whatsappThreads struct {
	key [32]byte
	mu  sync.Mutex
	by  map[string]waThread
}

type waThread struct {
	report  string
	started time.Time
}

// whatsappThreadsMax bounds the map; past it, ended threads are dropped.
const whatsappThreadsMax = 4096

func newWhatsAppThreads() *whatsappThreads {
	t := &whatsappThreads{by: map[string]waThread{}}
	rand.Read(t.key[:])
	return t
}

func (t *whatsappThreads) tag(phone string) string {
	return string(vault.MAC(t.key[:], "spiker/whatsapp-thread", []byte(phone)))
}

// find returns the report the number's thread started after since, or "".
func (t *whatsappThreads) find(phone string, since time.Time) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	th, ok := t.by[t.tag(phone)]
	if !ok || !th.started.After(since) {
		return ""
	}
	return th.report
}

// remember records that a report started at started is the number's
// thread, unless a newer one is; since is when threads still open began.
func (t *whatsappThreads) remember(phone, report string, started, since time.Time) {
	if phone == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	tag := t.tag(phone)
	if th, ok := t.by[tag]; ok && th.started.After(started) {
		return
	}
	if len(t.by) >= whatsappThreadsMax {
		for k, th := range t.by {
			if !th.started.After(since) {
				delete(t.by, k)
			}
		}
	}
	t.by[tag] = waThread{report: report, started: started}
}

// forget drops the number's thread if it is report (closed or gone).
func (t *whatsappThreads) forget(phone, report string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tag := t.tag(phone); t.by[tag].report == report {
		delete(t.by, tag)
	}
}
