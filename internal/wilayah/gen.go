//go:build ignore

// gen converts the region CSV files (code,parent_code,name) into the compact,
// sorted, gzipped TSV that the wilayah package embeds. Run it with
//
//	go generate ./internal/wilayah
//
// when the source data changes. It checks every code's shape and parent.
package main

import (
	"compress/gzip"
	"encoding/csv"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	src := flag.String("src", "", "directory with provinces.csv, regencies.csv, districts.csv and villages.csv")
	out := flag.String("out", "data/wilayah.tsv.gz", "output file")
	flag.Parse()
	type row struct{ code, name string }
	var rows []row
	seen := map[string]bool{}
	widths := []int{2, 2, 2, 4}
	for level, file := range []string{"provinces.csv", "regencies.csv", "districts.csv", "villages.csv"} {
		f, err := os.Open(filepath.Join(*src, file))
		if err != nil {
			log.Fatal(err)
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			log.Fatalf("%s: %v", file, err)
		}
		for _, r := range recs[1:] {
			code, name := r[0], strings.TrimSpace(r[len(r)-1])
			parts := strings.Split(code, ".")
			if len(parts) != level+1 {
				log.Fatalf("%s: code %q has the wrong depth", file, code)
			}
			for i, p := range parts {
				if len(p) != widths[i] {
					log.Fatalf("%s: code %q has a part of the wrong width", file, code)
				}
			}
			if level > 0 && (r[1] != strings.Join(parts[:level], ".") || !seen[r[1]]) {
				log.Fatalf("%s: code %q has parent %q, which is not its prefix or not known", file, code, r[1])
			}
			if name == "" || strings.ContainsAny(name, "\t\n\r") {
				log.Fatalf("%s: code %q has an unusable name %q", file, code, name)
			}
			if seen[code] {
				log.Fatalf("%s: code %q appears twice", file, code)
			}
			seen[code] = true
			rows = append(rows, row{code, name})
		}
	}
	// Code order is a pre-order walk of the tree: every region is followed by
	// the regions inside it. The package relies on that.
	sort.Slice(rows, func(i, j int) bool { return rows[i].code < rows[j].code })
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	for _, r := range rows {
		fmt.Fprintf(zw, "%s\t%s\n", r.code, r.name)
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %d regions to %s", len(rows), *out)
}
