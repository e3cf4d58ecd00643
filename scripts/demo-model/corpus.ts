/**
 * Training text for the demo tokenizer's merges: clinical English written for this project (histopathology and
 * radiology report language, prompt instructions, JSON answers). It only shapes how text splits into tokens.
 */
export const CLINICAL_CORPUS = String.raw`
You are an expert pathologist. Read the following histopathology report and answer the question.
You are an experienced radiologist. Review the radiology report below and classify the main finding.
You are a careful clinical assistant. Think step by step before you give your final answer.
Read the report carefully. Identify the organ, the tissue type, the diagnosis and the grade of the tumour.
Classify the report into one of the following categories: benign, malignant, inflammatory, normal, or uncertain.
Answer with a single word. Answer with the letter of the correct option. Do not add any other text.
Respond in JSON format with the keys "diagnosis", "confidence", "reasoning" and "answer".
Return only valid JSON. Do not wrap the JSON in code fences. Use double quotes for every key and string value.
Explain your reasoning first, then state the answer on the last line.
Give the answer first, then explain the reasoning that supports it.
If the report does not contain enough information, answer "uncertain" and explain what is missing.
List the key findings that support your conclusion. Be concise and precise.
Question: What is the most likely diagnosis based on this report?
Question: Is the lesion described in this report benign or malignant?
Question: Which organ was sampled, and what is the final histological diagnosis?
Question: Does the report mention lymph node involvement or lymphovascular invasion?
Question: What is the tumour grade, and are the surgical margins clear?
Question: Is there any evidence of pneumonia, pleural effusion or pneumothorax on this chest radiograph?
Question: Is this study normal or abnormal? Give a one word answer.
Options: A) benign B) malignant C) inflammatory D) normal
Options: (A) yes (B) no (C) cannot be determined
Answer: B
Answer: malignant
Answer: The findings are most consistent with an invasive ductal carcinoma of the breast.
Final answer: normal study, no acute cardiopulmonary abnormality.
{"diagnosis": "adenocarcinoma", "confidence": 0.82, "reasoning": "Irregular glands infiltrate the stroma.", "answer": "malignant"}
{"diagnosis": "tubular adenoma", "confidence": 0.9, "reasoning": "Low grade dysplasia without invasion.", "answer": "benign"}
{"diagnosis": "community acquired pneumonia", "confidence": 0.74, "reasoning": "Right lower lobe consolidation with air bronchograms.", "answer": "abnormal"}
{"diagnosis": "normal", "confidence": 0.95, "reasoning": "Clear lungs, normal heart size, no effusion.", "answer": "normal"}
{"answer": "A", "explanation": "The report describes a well circumscribed lesion with no atypia."}
{"label": "malignant", "probability": 0.67}
{"findings": ["consolidation", "air bronchograms", "small effusion"], "impression": "pneumonia"}
{"organ": "colon", "procedure": "polypectomy", "grade": "low", "margins": "clear"}
{"id": "case_001", "text": "Sections show benign breast tissue.", "label": 0}
{"id": "case_002", "text": "Findings suggest a malignant process.", "label": 1}
[{"name": "histopathology", "samples": 600}, {"name": "radiology", "samples": 100}]

HISTOPATHOLOGY REPORT
Specimen: Breast, left, core needle biopsy at 2 o'clock, 4 cm from the nipple.
Clinical history: A 54 year old woman with a palpable mass in the left breast. Mammography shows an irregular spiculated mass, BI-RADS 5.
Gross description: Received in formalin are three cores of tan white tissue, each measuring 1.2 to 1.5 cm in length and 0.1 cm in diameter. Entirely submitted in one cassette.
Microscopic description: The cores show an invasive carcinoma composed of cords, nests and tubules of atypical epithelial cells infiltrating a desmoplastic stroma. The tumour cells have moderate nuclear pleomorphism with occasional prominent nucleoli. Mitotic figures are present, up to 8 per 10 high power fields. No lymphovascular invasion is identified in the cores. Ductal carcinoma in situ of intermediate grade, solid and cribriform types, is also present.
Diagnosis: Invasive ductal carcinoma of no special type, Nottingham grade 2 (tubule formation 3, nuclear pleomorphism 2, mitotic count 1). Ductal carcinoma in situ, intermediate nuclear grade.
Immunohistochemistry: Estrogen receptor positive (Allred score 8 of 8). Progesterone receptor positive (Allred score 6 of 8). HER2 equivocal (2+); reflex in situ hybridisation has been requested. Ki-67 proliferation index approximately 20 percent.

Specimen: Colon, sigmoid, polypectomy.
Gross: A single polypoid fragment of tan pink tissue measuring 1.1 x 0.8 x 0.6 cm with a stalk 0.3 cm long. The cauterised stalk margin is inked and the specimen is bisected and entirely submitted.
Microscopic: Sections show a tubular adenoma with low grade dysplasia. The crypts are lined by elongated hyperchromatic pencillate nuclei with preserved polarity. There is no high grade dysplasia and no invasive carcinoma. The stalk is free of dysplasia and the cautery margin is clear.
Diagnosis: Tubular adenoma with low grade dysplasia, completely excised.

Specimen: Stomach, antrum, endoscopic biopsies.
Microscopic: Gastric antral mucosa with moderate chronic active gastritis. Helicobacter pylori organisms are seen on the surface epithelium and are confirmed by immunohistochemistry. There is focal intestinal metaplasia without dysplasia. No malignancy is identified.
Diagnosis: Chronic active Helicobacter pylori associated gastritis with focal intestinal metaplasia. Negative for dysplasia and malignancy.

Specimen: Prostate, needle core biopsies, twelve cores from right and left base, mid and apex.
Microscopic: Prostatic adenocarcinoma is present in four of twelve cores. The tumour shows Gleason pattern 3 with small well formed glands and Gleason pattern 4 with fused and poorly formed glands. Perineural invasion is identified in the left mid core. No extraprostatic extension is seen.
Diagnosis: Prostatic acinar adenocarcinoma, Gleason score 3 + 4 = 7 (Grade Group 2), involving 4 of 12 cores, maximum core involvement 45 percent.

Specimen: Skin, back, excisional biopsy of a pigmented lesion.
Microscopic: Compound melanocytic proliferation with asymmetry, poor circumscription and pagetoid spread of atypical melanocytes. The dermal component shows lack of maturation with depth and dermal mitoses. Breslow thickness 1.4 mm. Clark level IV. No ulceration. Peripheral and deep margins are free, the closest margin being 3 mm.
Diagnosis: Invasive malignant melanoma, superficial spreading type, Breslow thickness 1.4 mm, pT2a.

Specimen: Lymph node, right axillary, sentinel node excision.
Microscopic: One lymph node with preserved architecture. Serial sections and cytokeratin immunostains show no metastatic carcinoma. Sinus histiocytosis is noted.
Diagnosis: One sentinel lymph node negative for metastatic carcinoma (0/1).

Specimen: Thyroid, left lobectomy.
Microscopic: A well circumscribed encapsulated follicular nodule measuring 2.3 cm. The follicles are lined by cuboidal cells with round regular nuclei. The capsule is intact with no capsular or vascular invasion after extensive sampling. The surrounding thyroid parenchyma shows lymphocytic thyroiditis.
Diagnosis: Follicular adenoma of the thyroid. Background chronic lymphocytic thyroiditis.

Specimen: Uterus, cervix, loop electrosurgical excision.
Microscopic: High grade squamous intraepithelial lesion (CIN 3) involving the transformation zone and extending into endocervical glands. The ectocervical and endocervical margins are free of dysplasia. No invasive squamous cell carcinoma is identified.
Diagnosis: HSIL (CIN 3), margins clear.

Specimen: Lung, right upper lobe, lobectomy with mediastinal lymph nodes.
Microscopic: Invasive non mucinous adenocarcinoma with acinar (60 percent), lepidic (25 percent) and solid (15 percent) patterns. Tumour size 3.2 cm. Visceral pleural invasion is not identified on elastic stain. Bronchial and vascular margins are free. Two of nine hilar lymph nodes contain metastatic adenocarcinoma. Mediastinal nodes are negative.
Diagnosis: Lung adenocarcinoma, acinar predominant, pT2a pN1. EGFR and ALK testing sent.

Specimen: Liver, core biopsy.
Microscopic: Liver parenchyma with macrovesicular steatosis involving about 40 percent of hepatocytes, lobular inflammation and hepatocellular ballooning. Perisinusoidal and periportal fibrosis is present on trichrome stain, stage 2 of 4. No iron overload.
Diagnosis: Steatohepatitis, moderate activity, fibrosis stage 2.

Specimen: Kidney, left, radical nephrectomy.
Microscopic: Clear cell renal cell carcinoma, WHO/ISUP nucleolar grade 3, measuring 6.5 cm and confined to the kidney. Tumour necrosis is present in 10 percent. Renal vein and perinephric fat are not involved. Adrenal gland is unremarkable.
Diagnosis: Clear cell renal cell carcinoma, grade 3, pT1b, margins negative.

Specimen: Appendix, appendicectomy.
Microscopic: Transmural acute inflammation with neutrophils, mucosal ulceration, serosal fibrinopurulent exudate and focal perforation. No neoplasm is identified.
Diagnosis: Acute suppurative appendicitis with periappendicitis.

Specimen: Gallbladder, cholecystectomy.
Microscopic: The wall is thickened by fibrosis and chronic inflammation with Rokitansky Aschoff sinuses. Multiple yellow cholesterol gallstones are received. No dysplasia.
Diagnosis: Chronic cholecystitis with cholelithiasis.

Specimen: Bone marrow, trephine biopsy and aspirate.
Microscopic: Hypercellular marrow (cellularity 90 percent) diffusely replaced by sheets of blasts with high nuclear to cytoplasmic ratio, fine chromatin and small nucleoli. The blasts are positive for CD34, CD117 and myeloperoxidase. Megakaryocytes and erythroid precursors are markedly reduced.
Diagnosis: Acute myeloid leukaemia. Correlation with flow cytometry and cytogenetics is recommended.

Specimen: Soft tissue, thigh, resection.
Microscopic: A lobulated mature adipocytic tumour with thin fibrous septa. No lipoblasts, atypical stromal cells or necrosis. MDM2 amplification is not detected.
Diagnosis: Lipoma.

Specimen: Ovary, right, salpingo oophorectomy.
Microscopic: A unilocular cyst lined by a single layer of ciliated and secretory tubal type epithelium without atypia or stratification.
Diagnosis: Serous cystadenoma. Fallopian tube with no pathological change.

Specimen: Oesophagus, biopsies at 35 cm.
Microscopic: Columnar mucosa with goblet cells consistent with Barrett oesophagus. The epithelium shows surface maturation and no cytological atypia.
Diagnosis: Barrett oesophagus without dysplasia.

Specimen: Brain, right frontal lesion, stereotactic biopsy.
Microscopic: A highly cellular glial neoplasm with marked nuclear atypia, brisk mitotic activity, microvascular proliferation and pseudopalisading necrosis. IDH1 R132H immunostain is negative; ATRX expression is retained.
Diagnosis: Glioblastoma, IDH wild type, CNS WHO grade 4.

Specimen: Tonsils, bilateral tonsillectomy.
Microscopic: Reactive lymphoid hyperplasia with prominent germinal centres and crypt abscesses. No evidence of lymphoma.
Diagnosis: Chronic tonsillitis with reactive follicular hyperplasia.

Specimen: Endometrium, pipelle biopsy.
Microscopic: Crowded back to back endometrial glands with cytological atypia, loss of polarity and vesicular nuclei, occupying more than half of the tissue. No stromal invasion can be assessed on this sample.
Diagnosis: Atypical endometrial hyperplasia / endometrioid intraepithelial neoplasia. Hysterectomy is advised to exclude carcinoma.

Specimen: Pancreas, Whipple resection.
Microscopic: Moderately differentiated ductal adenocarcinoma infiltrating the pancreatic head and the peripancreatic fat, with perineural and lymphovascular invasion. The tumour measures 2.8 cm. The superior mesenteric artery margin is involved (R1). Three of eighteen lymph nodes are positive.
Diagnosis: Pancreatic ductal adenocarcinoma, pT2 pN1, R1 resection.

Specimen: Bladder, transurethral resection of bladder tumour.
Microscopic: Papillary urothelial carcinoma, high grade, invading the lamina propria. Muscularis propria is present and is not involved.
Diagnosis: High grade papillary urothelial carcinoma, pT1. Detrusor muscle present and uninvolved.

Specimen: Testis, right, radical orchidectomy.
Microscopic: Sheets of large polygonal cells with clear cytoplasm, central nuclei and prominent nucleoli, separated by fibrous septa containing lymphocytes. The tumour cells express OCT3/4 and PLAP. The spermatic cord margin is free.
Diagnosis: Seminoma, confined to the testis, pT1.

Specimen: Cervical lymph node, excision.
Microscopic: Effaced nodal architecture by a diffuse infiltrate of large atypical lymphoid cells that are positive for CD20, BCL6 and MUM1 with a Ki-67 index of 80 percent.
Diagnosis: Diffuse large B cell lymphoma, non germinal centre type.

Specimen: Placenta, singleton, 38 weeks.
Microscopic: Mature chorionic villi with increased syncytial knots. The membranes show acute chorioamnionitis with maternal inflammatory response stage 2. The umbilical cord has three vessels.
Diagnosis: Acute chorioamnionitis. Otherwise mature placenta appropriate for gestational age.

Specimen: Muscle, quadriceps biopsy.
Microscopic: Variation in fibre size with scattered necrotic and regenerating fibres and endomysial inflammation surrounding non necrotic fibres. MHC class I is upregulated.
Diagnosis: Inflammatory myopathy, features favour polymyositis.

Specimen: Synovium, knee, arthroscopic biopsy.
Microscopic: Villous synovial hyperplasia with haemosiderin laden macrophages and multinucleated giant cells.
Diagnosis: Tenosynovial giant cell tumour, diffuse type.

Specimen: Salivary gland, parotid, superficial parotidectomy.
Microscopic: A well demarcated tumour composed of epithelial and myoepithelial cells in a chondromyxoid stroma.
Diagnosis: Pleomorphic adenoma, completely excised.

Specimen: Nasal polyp.
Microscopic: Oedematous stroma with numerous eosinophils, thickened basement membrane and respiratory epithelium.
Diagnosis: Inflammatory nasal polyp.

Specimen: Small bowel, duodenal biopsies.
Microscopic: Total villous atrophy, crypt hyperplasia and increased intraepithelial lymphocytes (more than 40 per 100 enterocytes).
Diagnosis: Features consistent with coeliac disease, Marsh 3c, in the appropriate serological context.

Specimen: Heart, endomyocardial biopsy after transplant.
Microscopic: Multifocal interstitial lymphocytic infiltrate with two foci of myocyte damage.
Diagnosis: Acute cellular rejection, ISHLT grade 2R.

Specimen: Adrenal gland, adrenalectomy.
Microscopic: Nests of polygonal cells with granular basophilic cytoplasm in a zellballen pattern surrounded by sustentacular cells. Chromogranin and synaptophysin are strongly positive.
Diagnosis: Phaeochromocytoma.

Specimen: Spleen, splenectomy after trauma.
Microscopic: Capsular laceration with subcapsular and parenchymal haemorrhage. Red and white pulp are otherwise unremarkable.
Diagnosis: Traumatic splenic rupture.

Specimen: Vulva, punch biopsy.
Microscopic: Thinned epidermis with homogenised dermal collagen and a band of lymphocytes beneath it.
Diagnosis: Lichen sclerosus. No dysplasia.

Specimen: Peritoneum, omental biopsy.
Microscopic: Metastatic high grade serous carcinoma with papillary and slit like spaces, marked atypia and psammoma bodies. The tumour cells are positive for WT1, PAX8 and p53 (aberrant, diffuse).
Diagnosis: Metastatic high grade serous carcinoma, consistent with tubo-ovarian primary.

The report describes a benign lesion. The report describes a malignant neoplasm. The features favour a reactive process.
The tumour is poorly differentiated. The tumour is well differentiated. The tumour is moderately differentiated.
There is no evidence of malignancy. Malignancy cannot be excluded on this limited sample. Further sampling is recommended.
Margins are clear. The deep margin is involved. The closest margin is 1 mm. The resection margins are negative.
Lymphovascular invasion is present. Perineural invasion is absent. No necrosis is seen. Extensive necrosis is present.
Immunohistochemistry shows positivity for cytokeratin, CK7, CK20, CDX2, TTF-1, napsin A, GATA3, p40, p63, S100, SOX10, HMB45, Melan-A, desmin, SMA, CD31, CD34, ERG, CD45, CD3, CD20, CD30, CD56, chromogranin, synaptophysin and Ki-67.
The specimen was fixed in 10 percent neutral buffered formalin. Sections were stained with haematoxylin and eosin.
Histological type, histological grade, tumour size, margins, lymph nodes, stage and biomarkers are reported according to the dataset.
Benign, malignant, atypical, suspicious, indeterminate, reactive, inflammatory, infectious, degenerative, neoplastic, dysplastic, metaplastic, hyperplastic.
Carcinoma, adenocarcinoma, squamous cell carcinoma, urothelial carcinoma, sarcoma, lymphoma, leukaemia, melanoma, mesothelioma, glioma, neuroendocrine tumour, germ cell tumour.
Adenoma, papilloma, fibroadenoma, leiomyoma, lipoma, haemangioma, schwannoma, neurofibroma, naevus, hamartoma, cyst, polyp.
Epithelium, stroma, mucosa, submucosa, muscularis propria, serosa, subserosa, dermis, epidermis, parenchyma, capsule, septa, lumen, crypts, glands, acini, ducts, lobules, villi, follicles.
Nuclei, nucleoli, cytoplasm, chromatin, mitoses, apoptosis, pleomorphism, hyperchromasia, atypia, anaplasia, keratinisation, mucin, necrosis, calcification, fibrosis, haemorrhage.
Inflammation, neutrophils, lymphocytes, plasma cells, eosinophils, macrophages, histiocytes, granulomas, giant cells, abscess, ulceration, erosion, oedema, congestion.

RADIOLOGY REPORT
Examination: Chest radiograph, PA and lateral views.
Clinical indication: Cough and fever for five days. Rule out pneumonia.
Comparison: Chest radiograph from six months ago.
Findings: There is a new patchy consolidation in the right lower lobe with air bronchograms. The left lung is clear. There is a small right pleural effusion blunting the costophrenic angle. No pneumothorax. The cardiomediastinal silhouette is within normal limits. The visualised osseous structures are unremarkable.
Impression: Right lower lobe pneumonia with a small parapneumonic effusion. Recommend follow up radiograph in six to eight weeks to document resolution.

Examination: CT head without contrast.
Indication: Fall with head strike, on anticoagulation.
Findings: No acute intracranial haemorrhage, mass effect or midline shift. The grey white matter differentiation is preserved. Mild periventricular white matter hypoattenuation is compatible with chronic small vessel ischaemic change. The ventricles and sulci are prominent, consistent with age related volume loss. The calvarium is intact. The paranasal sinuses and mastoid air cells are clear.
Impression: No acute intracranial abnormality.

Examination: CT pulmonary angiogram.
Indication: Shortness of breath, tachycardia and raised D-dimer.
Findings: Filling defects are present in the right main pulmonary artery extending into the lobar and segmental branches of the right lower lobe. The right ventricle to left ventricle ratio is 1.1. There is a wedge shaped peripheral opacity in the right lower lobe suggestive of pulmonary infarction. No pleural effusion.
Impression: Acute pulmonary embolism with evidence of right heart strain. Findings were communicated to the referring clinician.

Examination: MRI lumbar spine without contrast.
Findings: Normal lumbar lordosis. Vertebral body heights are maintained. At L4-L5 there is a broad based disc bulge with a superimposed right paracentral disc protrusion causing moderate narrowing of the right lateral recess and contact with the traversing right L5 nerve root. Mild facet arthropathy. At L5-S1 there is disc desiccation without significant canal stenosis. The conus medullaris terminates at L1 and is normal in signal.
Impression: L4-L5 right paracentral disc protrusion contacting the right L5 nerve root.

Examination: Ultrasound abdomen.
Findings: The liver is normal in size with increased echogenicity, consistent with hepatic steatosis. No focal liver lesion. The gallbladder contains multiple mobile echogenic stones with posterior acoustic shadowing; the wall is not thickened and there is no pericholecystic fluid. The common bile duct measures 4 mm. The pancreas is partially obscured by bowel gas. Both kidneys are normal in size without hydronephrosis. The spleen measures 11 cm.
Impression: Cholelithiasis without sonographic evidence of acute cholecystitis. Hepatic steatosis.

Examination: CT abdomen and pelvis with contrast.
Findings: The appendix is dilated to 12 mm with wall thickening, mucosal hyperenhancement and surrounding fat stranding. An appendicolith is present at the base. No free air or drainable collection. The remainder of the bowel is normal in calibre.
Impression: Acute uncomplicated appendicitis with an appendicolith.

Examination: Mammography, bilateral screening.
Findings: The breasts are heterogeneously dense, which may obscure small masses. In the left upper outer quadrant there is an irregular mass with spiculated margins measuring 14 mm with associated pleomorphic microcalcifications. No suspicious axillary lymph nodes. The right breast shows no suspicious mass, calcification or architectural distortion.
Impression: Left breast mass highly suggestive of malignancy, BI-RADS 5. Ultrasound guided biopsy is recommended.

Examination: Paediatric chest radiograph, AP supine.
Findings: The endotracheal tube tip projects 1.5 cm above the carina. The nasogastric tube courses below the diaphragm. Bilateral diffuse granular opacities with air bronchograms and low lung volumes. No pneumothorax. The heart size is normal.
Impression: Findings consistent with surfactant deficiency in a premature infant. Lines and tubes in satisfactory position.

Examination: Radiograph of the left wrist, three views.
Findings: There is a transverse fracture of the distal radial metaphysis with dorsal angulation of 20 degrees and mild impaction. The ulnar styloid is intact. The carpal bones are normally aligned. Soft tissue swelling over the dorsum of the wrist.
Impression: Dorsally angulated distal radius fracture (Colles type).

Examination: MRI brain with and without gadolinium.
Findings: A 3.4 cm heterogeneously enhancing mass in the right frontal lobe with central necrosis and surrounding vasogenic oedema causing 6 mm of leftward midline shift. Restricted diffusion is present in the solid portions. No additional lesions.
Impression: Right frontal enhancing mass with necrosis, most consistent with a high grade glioma; metastasis is a less likely differential.

Examination: Ultrasound of the neck, thyroid.
Findings: The right lobe contains a 1.8 cm solid hypoechoic nodule with irregular margins and punctate echogenic foci, taller than wide. The left lobe is normal. No abnormal cervical lymph nodes.
Impression: Right thyroid nodule, TI-RADS 5. Fine needle aspiration is recommended.

Examination: Renal ultrasound, paediatric.
Findings: The left kidney shows moderate pelvicalyceal dilatation with an anteroposterior pelvic diameter of 15 mm and dilated calyces. The ureter is not visualised. The right kidney is normal. The bladder is well distended with a normal wall.
Impression: Left hydronephrosis, likely pelviureteric junction obstruction. Suggest a MAG3 renogram.

Examination: CT chest, high resolution.
Findings: Subpleural reticulation with traction bronchiectasis and honeycombing, predominantly in the lower lobes and posterior costophrenic angles. No ground glass predominance. Mildly enlarged mediastinal lymph nodes, likely reactive.
Impression: Usual interstitial pneumonia pattern, consistent with idiopathic pulmonary fibrosis in the appropriate clinical setting.

Examination: Knee MRI, right.
Findings: Complete tear of the anterior cruciate ligament with bone bruising of the lateral femoral condyle and posterolateral tibial plateau. Horizontal tear of the posterior horn of the medial meniscus. Moderate joint effusion. The posterior cruciate ligament and collateral ligaments are intact.
Impression: ACL rupture with medial meniscal tear.

Examination: Abdominal radiograph, supine.
Findings: Multiple dilated loops of small bowel measuring up to 4 cm with air fluid levels on the erect view. Paucity of gas in the colon. No free intraperitoneal air.
Impression: Small bowel obstruction.

Examination: Pelvic ultrasound, transvaginal.
Findings: The uterus is anteverted and measures 8.2 x 4.5 x 5.1 cm. The endometrial stripe measures 6 mm. The right ovary contains a 4.2 cm simple cyst with thin walls and no internal vascularity. The left ovary is normal. No free fluid.
Impression: Right ovarian simple cyst, likely functional. Follow up ultrasound in six to eight weeks.

Examination: Echocardiogram.
Findings: The left ventricle is normal in size with an ejection fraction of 35 percent and global hypokinesis. Moderate mitral regurgitation. The right ventricle is normal. No pericardial effusion.
Impression: Dilated cardiomyopathy pattern with moderately reduced systolic function.

Examination: PET CT, whole body.
Findings: Hypermetabolic mass in the left upper lobe with SUV max 12.4 and hypermetabolic ipsilateral hilar and mediastinal lymph nodes. A focal lytic lesion in the right iliac bone with SUV max 8.1. No hepatic or adrenal lesions.
Impression: Left upper lobe malignancy with nodal and osseous metastatic disease.

Examination: Doppler ultrasound, left lower limb veins.
Findings: Non compressible left common femoral and popliteal veins with intraluminal echogenic thrombus and absent flow. The calf veins are not well seen.
Impression: Acute deep vein thrombosis of the left femoral and popliteal veins.

Examination: Paediatric abdominal ultrasound.
Findings: A target shaped mass in the right upper quadrant measuring 3 cm in diameter with a pseudokidney appearance on longitudinal view. Small amount of free fluid. Preserved flow on Doppler.
Impression: Ileocolic intussusception. Surgical and radiology teams informed for reduction.

Normal chest radiograph. The lungs are clear. No focal consolidation, pleural effusion or pneumothorax. Heart size is normal. The mediastinum is not widened.
No acute fracture or dislocation. Degenerative changes of the spine. Osteopenia. Joint space narrowing with marginal osteophytes.
Nodule, mass, opacity, consolidation, atelectasis, effusion, pneumothorax, cardiomegaly, emphysema, bronchiectasis, fibrosis, oedema, infiltrate, cavitation, calcification, lymphadenopathy.
Hyperdense, hypodense, hyperintense, hypointense, hyperechoic, hypoechoic, anechoic, isoechoic, enhancing, non enhancing, heterogeneous, homogeneous, well defined, ill defined, lobulated, spiculated.
Anterior, posterior, superior, inferior, medial, lateral, proximal, distal, bilateral, unilateral, left, right, upper, lower, central, peripheral, axial, coronal, sagittal.
Radiograph, computed tomography, magnetic resonance imaging, ultrasound, fluoroscopy, angiography, mammography, scintigraphy, positron emission tomography, echocardiography.
Contrast, gadolinium, iodinated, T1 weighted, T2 weighted, FLAIR, diffusion weighted imaging, apparent diffusion coefficient, Hounsfield units, Doppler, attenuation, enhancement, artefact.
Brain, skull, orbit, sinus, neck, thyroid, trachea, lung, pleura, heart, aorta, mediastinum, oesophagus, stomach, liver, gallbladder, pancreas, spleen, kidney, adrenal, bladder, bowel, colon, rectum, uterus, ovary, prostate, spine, pelvis, hip, knee, shoulder, elbow, wrist, ankle, foot.
Findings are consistent with, suggestive of, compatible with, in keeping with, concerning for, worrisome for, likely representing, cannot exclude, differential diagnosis includes.
Recommend clinical correlation. Recommend follow up imaging. Recommend comparison with prior studies. Recommend tissue sampling. Findings discussed with the referring physician.
Unremarkable. Within normal limits. Stable compared with the prior study. Interval improvement. Interval progression. New since the previous examination. Resolved.
The patient is a 7 year old boy. The patient is a 65 year old man. The patient is a 42 year old woman. The patient is a 3 month old infant. The patient is a newborn girl.
Age, sex, history, indication, technique, comparison, findings, impression, conclusion, recommendation, addendum, signed, reported by, date, time.

Prompt strategy: chain of thought. Prompt strategy: direct answer. Prompt strategy: few shot examples. Prompt strategy: contrarian. Prompt strategy: answer first.
System: You are a board certified pathologist with twenty years of experience in surgical pathology.
System: You are a paediatric radiologist. Interpret the imaging report and provide a structured answer.
User: Here is the report. Please analyse it and provide your diagnosis.
Assistant: Let me analyse the report step by step.
Step 1: Identify the specimen and the organ. Step 2: Describe the key microscopic features. Step 3: Decide whether they indicate a benign or malignant process. Step 4: Give the final diagnosis.
First, the report describes the specimen. Second, it lists the microscopic findings. Third, the conclusion follows from these findings. Therefore, the answer is malignant.
Example 1: Report: Benign fibroadenoma of the breast. Answer: benign.
Example 2: Report: Invasive squamous cell carcinoma of the skin. Answer: malignant.
Example 3: Report: Chest radiograph with no acute findings. Answer: normal.
The output format is JSON. The output format is plain text. The output format is a single letter. Output format: json. Output format: plain.
activation_compare, histopathology, radiology, pooling, last_token, mean, layers, cosine similarity, L2 distance, residual stream, hidden states, norm, baseline, pairwise, variants, seed, num_samples.
dataset: histopathology, prompt: histopathology, model: medgemma_4b, backend: onnx, experiment: activation_compare, seed: 42, num_samples: 20.
results.json, EXPERIMENT.md, config.yaml, model.onnx, tokenizer.json, config.json, report.html, metrics.csv, activations.npy.
0 1 2 3 4 5 6 7 8 9 10 12 15 20 25 30 40 50 60 75 90 100 0.5 1.0 2.5 mm cm ml mg kg mmHg bpm percent %.
( ) [ ] { } " ' : ; , . ! ? - / + = * _ < > # @ & | ~ ^ ${'`'}
"diagnosis": "benign", "diagnosis": "malignant", "answer": "yes", "answer": "no", "confidence": "high", "confidence": "low".
{ "key": "value" }, { "key": 1 }, ["a", "b"], {"a": [1, 2, 3]}, {"nested": {"inner": true, "flag": false, "empty": null}}
`;
