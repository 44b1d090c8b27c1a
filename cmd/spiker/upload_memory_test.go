package main

import (
	"bufio"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/media/mediatest"
)

// TestUploadMemory runs the real server process and sends it eight reports
// at once, each with a 50 MB phone video, then reads the process's peak
// resident memory (VmHWM) from /proc: files stream to encrypted spools on
// disk, are cleaned from there and stored in parts, so the peak stays under
// 200 MB whatever the number of uploads. It moves 400 MB through the
// server, so it runs only when asked:
//
//	SPIKER_UPLOAD_MEMORY=1 go test -count=1 -run TestUploadMemory -v ./cmd/spiker
func TestUploadMemory(t *testing.T) {
	if os.Getenv("SPIKER_UPLOAD_MEMORY") != "1" {
		t.Skip("set SPIKER_UPLOAD_MEMORY=1 to measure the server's memory under eight 50 MB uploads")
	}
	const uploads, limitMB = 8, 200
	dataDir := t.TempDir()
	cmd := exec.Command(os.Args[0], "serve", "--data", dataDir, "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "SPIKER_TEST_RUN_MAIN=1", "SPIKER_RATE_LIMITS=off")
	stdout, _ := cmd.StdoutPipe()
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.Contains(line, "is serving") {
		t.Fatalf("first line %q, %v; stderr %s", line, err, stderr.String())
	}
	go io.Copy(io.Discard, stdout)
	base := strings.TrimSpace(line[strings.LastIndex(line, "http://"):])
	before := procStatusKB(t, cmd.Process.Pid, "VmRSS")

	// A phone video: the movie header, then 50 MB of media data.
	head := mediatest.MP4("isom", "kanari")
	size := int64(spiker.MaxMediaSize - 4096)
	var wg sync.WaitGroup
	errs := make(chan error, uploads)
	for i := range uploads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- postVideo(base, head, size, i)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	peak := procStatusKB(t, cmd.Process.Pid, "VmHWM")
	// The videos are stored (encrypted): the database holds them all.
	var stored int64
	filepath.Walk(dataDir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			stored += fi.Size()
		}
		return nil
	})
	if stored < uploads*size {
		t.Fatalf("the data directory holds %d MB, less than the %d videos", stored>>20, uploads)
	}
	t.Logf("server RSS before: %d MB; peak (VmHWM) after %d concurrent uploads of %d MB: %d MB", before/1024, uploads, size>>20, peak/1024)
	if peak/1024 >= limitMB {
		t.Fatalf("peak RSS %d MB, want under %d MB", peak/1024, limitMB)
	}
}

// postVideo files a complete report with a video of size bytes (head, then
// a media data box to fill), streamed from a pipe.
func postVideo(base string, head []byte, size int64, n int) error {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(base + "/")
	if err != nil {
		return err
	}
	form, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	token := tokenRE.FindSubmatch(form)
	if token == nil {
		return fmt.Errorf("upload %d: no form token", n)
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		for k, vs := range validAnswers(string(token[1])) {
			for _, v := range vs {
				mw.WriteField(k, v)
			}
		}
		w, _ := mw.CreateFormFile("files", fmt.Sprintf("video-%d.mp4", n))
		w.Write(head)
		rest := size - int64(len(head))
		box := []byte{byte(rest >> 24), byte(rest >> 16), byte(rest >> 8), byte(rest), 'm', 'd', 'a', 't'}
		w.Write(box)
		chunk := make([]byte, 256<<10)
		for i := range chunk {
			chunk[i] = byte(i * 7)
		}
		for left := rest - 8; left > 0; left -= int64(len(chunk)) {
			if _, err := w.Write(chunk[:min(int64(len(chunk)), left)]); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(mw.Close())
	}()
	resp, err = c.Post(base+"/", mw.FormDataContentType(), pr)
	if err != nil {
		return err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !receiptRE.Match(page) {
		return fmt.Errorf("upload %d: HTTP %d without a receipt", n, resp.StatusCode)
	}
	return nil
}

// procStatusKB reads a kB field of /proc/PID/status.
func procStatusKB(t *testing.T, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}
