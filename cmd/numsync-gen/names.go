package main

import (
	"strconv"
	"strings"
	"sync"
)

// namePool is the given names and surnames of one language. Surnames are
// disjoint between pools, so that "first.last" names from two pools never
// collide.
type namePool struct {
	first, last []string
	// The names in ASCII, for UPNs: made once, on first use.
	once                 sync.Once
	asciiFirst, asciiLst []string
}

var enNames = namePool{
	first: []string{"Adele", "Alex", "Allan", "Amber", "Brian", "Carol", "Christie", "Daniel", "Debra", "Diego",
		"Emily", "Enrico", "Grady", "Henrietta", "Irvin", "Isaiah", "Johanna", "Joni", "Lee", "Lidia",
		"Lynne", "Megan", "Miriam", "Nestor", "Patti", "Pradeep", "Raul", "Sanjay", "Sarah", "Vivian",
		"Aoife", "Ciaran", "Niamh", "Oliver", "Olivia", "Harry", "Grace", "Jack", "Chloe", "Liam",
		"Noah", "Ava", "Mason", "Zoë", "Ethan", "Isla", "Lucas", "Mia", "Owen", "Ruby"},
	last: []string{"Vance", "Wilber", "Deyoung", "Rojas", "Johnson", "Bowen", "Cline", "Wolfe", "Berry", "Siciliani",
		"Braun", "Zuccotti", "Archie", "Gonzales", "Sherman", "Langer", "Lauer", "Sherman-Hill", "Gu", "Holloway",
		"Robichaux", "Bowen-Ross", "Graham", "Zakharova", "Fernandez", "Gupta", "Smith", "Jones", "Taylor", "Brown",
		"Williams", "Wilson", "Evans", "Thomas", "Roberts", "O'Brien", "Murphy", "Kelly", "Walsh", "Byrne",
		"Nguyen", "Patel", "Campbell", "Stewart", "Clarke", "Hughes", "Edwards", "Turner", "Parker", "Collins"},
}

var deNames = namePool{
	first: []string{"Jürgen", "Anna", "Lukas", "Lena", "Felix", "Sophie", "Maximilian", "Marie", "Jonas", "Hannah",
		"Tobias", "Lea", "Sebastian", "Katharina", "Florian", "Julia", "Stefan", "Laura", "Matthias", "Sarah"},
	last: []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
		"Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
		"Krüger", "Hartmann", "Lange", "Weiß", "Köhler"},
}

var frNames = namePool{
	first: []string{"Françoise", "Jean", "Marie", "Pierre", "Camille", "Louis", "Chloé", "Hugo", "Léa", "Gabriel",
		"Manon", "Théo", "Inès", "Raphaël", "Élodie", "Nicolas", "Céline", "Antoine", "Amélie", "Julien"},
	last: []string{"Lefèvre", "Martin", "Bernard", "Dubois", "Lambert", "Robert", "Richard", "Petit", "Durand", "Leroy",
		"Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia-Roux", "David", "Bertrand", "Roux", "Vincent",
		"Fournier", "Morel", "Girard", "André", "Mercier"},
}

var esNames = namePool{
	first: []string{"Lucía", "Hugo", "Martina", "Mateo", "Sofía", "Pablo", "Valeria", "Álvaro", "Paula", "Javier"},
	last: []string{"García", "Rodríguez", "González", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Ruiz", "Díaz",
		"Muñoz", "Jiménez"},
}

var nlNames = namePool{
	first: []string{"Daan", "Emma", "Sem", "Julia", "Lucas", "Tess", "Levi", "Sophie", "Finn", "Anouk"},
	last: []string{"de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser", "Smit", "Meijer",
		"de Boer", "Mulder"},
}

var svNames = namePool{
	first: []string{"Åsa", "Erik", "Elsa", "Lars", "Maja", "Oskar", "Ingrid", "Nils", "Saga", "Björn"},
	last: []string{"Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson", "Gustafsson",
		"Lindqvist", "Åberg"},
}

var jaNames = namePool{
	first: []string{"Haruto", "Yui", "Sota", "Aoi", "Ren", "Hina", "Yuto", "Sakura", "Riku", "Mei"},
	last: []string{"Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi", "Kato",
		"Yoshida", "Yamada"},
}

// names returns the given name and surname of the k-th person of the pool,
// and the round: how many times the pool's combinations were used up before
// (0 for the first person with this name). The walk pairs every given name
// with every surname exactly once per round, so that neighbours differ.
func (p *namePool) names(k uint32) (first, last string, round uint32) {
	fi, li, round := p.index(k)
	return p.first[fi], p.last[li], round
}

func (p *namePool) index(k uint32) (fi, li, round uint32) {
	nf, nl := uint32(len(p.first)), uint32(len(p.last))
	combos := nf * nl
	c := k % combos
	return c % nf, (c/nf + c%nf) % nl, k / combos
}

// upnLocal is the local part of the k-th person's UPN, "first.last" in
// ASCII, with the round appended after the first ("john.smith2").
func (p *namePool) upnLocal(k uint32) string {
	p.once.Do(func() {
		for _, f := range p.first {
			p.asciiFirst = append(p.asciiFirst, asciiName(f))
		}
		for _, l := range p.last {
			p.asciiLst = append(p.asciiLst, asciiName(l))
		}
	})
	fi, li, round := p.index(k)
	s := p.asciiFirst[fi] + "." + p.asciiLst[li]
	if round > 0 {
		s += strconv.FormatUint(uint64(round)+1, 10)
	}
	return s
}

var translit = strings.NewReplacer(
	"ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", "Ä", "ae", "Ö", "oe", "Ü", "ue",
	"é", "e", "è", "e", "ê", "e", "ë", "e", "É", "e", "É", "e",
	"à", "a", "â", "a", "á", "a", "Á", "a", "å", "a", "Å", "a",
	"î", "i", "ï", "i", "í", "i", "ô", "o", "ó", "o", "ú", "u", "ù", "u",
	"ç", "c", "ñ", "n", "'", "", " ", "", "Î", "i",
)

// asciiName lowers a name and writes it in ASCII, as directory admins do
// for UPNs and account names ("Müller" → "mueller", "O'Brien" → "obrien").
func asciiName(s string) string {
	s = translit.Replace(s)
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r < 0x80 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// departments name resource accounts (auto attendants and call queues).
var departments = []string{"Reception", "Helpdesk", "Sales", "Support", "Billing", "HR", "Facilities", "Switchboard"}
