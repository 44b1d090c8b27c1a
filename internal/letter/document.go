package letter

// Document is a record printed in sections, such as a case summary: the
// letterhead, a title and a number, a line under them (the date it was
// printed, say), then sections of labelled fields. As with Letter, every
// word printed comes from the Document; strings are cleaned the same way.
type Document struct {
	Head         Letterhead
	Title        string // "RINGKASAN KASUS"
	Number       string // e.g. "Nomor kasus 3524/2026/00017"
	Date         string // right-aligned under the number, e.g. "Dicetak 3 Desember 2026"
	Sections     []Section
	Confidential string // footer line on every page
}

// Section is a heading, an optional paragraph and a table of fields.
type Section struct {
	Heading string
	Text    string // e.g. "Belum ada." for an empty section
	Fields  []Field
}

// RenderDocument lays the document out on A4 pages and returns the PDF.
// Like Render, it returns an error, never panics, and is deterministic.
func RenderDocument(d Document) ([]byte, error) {
	return render(func(r *renderer) error { return r.document(cleanDocument(d)) })
}

func (r *renderer) document(d Document) error {
	if err := r.opening(d.Head, d.Confidential, d.Title, d.Number, 0); err != nil {
		return err
	}
	r.gap(3)
	if err := r.block(stBody, d.Date, alignRight, marginLeft, contentW, 3); err != nil {
		return err
	}
	for _, s := range d.Sections {
		if err := r.section(s); err != nil {
			return err
		}
	}
	return nil
}

// opening sets the footer and the running number of every page, starts
// the first page and draws the letterhead, the title (with titleGap under
// it) and the number under the title: the start a document and a report
// share.
func (r *renderer) opening(head Letterhead, confidential, title, number string, titleGap float64) error {
	var err error
	if r.footer, err = r.wrap(stFooter, confidential, contentW); err != nil {
		return err
	}
	r.footer = capLines(r.footer, maxFooterLines)
	if r.running, err = r.wrap(stRunning, number, contentW*0.6); err != nil {
		return err
	}
	r.running = capLines(r.running, maxNumberLines)
	if err := r.newPage(); err != nil {
		return err
	}
	if err := r.letterhead(head); err != nil {
		return err
	}
	if err := r.block(stTitle, title, alignCenter, marginLeft, contentW, titleGap); err != nil {
		return err
	}
	return r.block(stNumber, number, alignCenter, marginLeft, contentW, 0)
}

// section draws a heading kept together with the first lines under it,
// then the paragraph and the fields.
func (r *renderer) section(s Section) error {
	if s.Heading == "" && s.Text == "" && len(s.Fields) == 0 {
		return nil
	}
	r.gap(2)
	if s.Heading != "" {
		if err := r.ensure(stHeading.lineHeight() + 1.5 + 2*stBody.lineHeight()); err != nil {
			return err
		}
		if err := r.block(stHeading, s.Heading, alignLeft, marginLeft, contentW, 0.5); err != nil {
			return err
		}
		r.pdf.SetLineWidth(0.2)
		r.pdf.SetStrokeColor(150, 150, 150)
		r.pdf.Line(marginLeft, r.y, pageW-marginRight, r.y)
		r.pdf.SetStrokeColor(0, 0, 0)
		r.y += 1.5
	}
	if err := r.block(stBody, s.Text, alignLeft, marginLeft, contentW, 2); err != nil {
		return err
	}
	return r.fields(s.Fields)
}

func cleanDocument(d Document) Document {
	c := Document{
		Head:         cleanLetter(Letter{Head: d.Head}).Head,
		Title:        clean(d.Title),
		Number:       clean(d.Number),
		Date:         clean(d.Date),
		Confidential: clean(d.Confidential),
	}
	for _, s := range d.Sections {
		c.Sections = append(c.Sections, Section{Heading: clean(s.Heading), Text: clean(s.Text), Fields: cleanLetter(Letter{Fields: s.Fields}).Fields})
	}
	return c
}
